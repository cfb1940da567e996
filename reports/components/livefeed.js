// The live views' polling: a Svelte store over one read-API route (`/v1/live/...`).
import { readable } from 'svelte/store';

/**
 * Poll `url?within=S` every `interval` ms while subscribed (in the browser only).
 * The value: { state: 'connecting' | 'live' | 'unavailable', problem, asOf, items }, where
 * `items` is the answer's `field` array; a failed poll keeps the last items.
 */
export function liveFeed(url, within, interval, field) {
	let last = { state: 'connecting', problem: '', asOf: '', items: [] };
	return readable(last, (set) => {
		if (typeof window === 'undefined') return undefined; // prerendering: no polling
		let timer;
		let stopped = false;
		async function poll() {
			try {
				const response = await fetch(`${url}?within=${within}`, {
					cache: 'no-store',
					headers: { Accept: 'application/json' }
				});
				const body = await response.json().catch(() => ({}));
				if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
				const asOf = new Date(body.as_of).toLocaleTimeString();
				last = { state: 'live', problem: '', asOf, items: body[field] ?? [] };
			} catch (error) {
				const problem = error instanceof Error ? error.message : String(error);
				last = { ...last, state: 'unavailable', problem };
			}
			set(last);
			if (!stopped) timer = setTimeout(poll, interval);
		}
		poll();
		return () => {
			stopped = true;
			clearTimeout(timer);
		};
	});
}
