#!/usr/bin/env node
// postinstall: make two DuckDB start-up settings non-fatal in Evidence's universal-sql client.
//
// Why: package.json overrides @duckdb/duckdb-wasm to 1.28.0 (DuckDB 0.9.1, parquet built in),
// because 1.29+ fetches the parquet extension from the internet and `evidence sources` then
// hangs offline. DuckDB 0.9.1 does not know the two settings Evidence sets at start-up, and
// their 0.9.1 defaults already behave the way Evidence wants, so a failure to set them is
// harmless. Anything unexpected (files missing, statements not found) fails the install loudly
// so that an Evidence upgrade cannot silently skip the patch.
//
// No dependencies; idempotent (re-running on patched files is a no-op).

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = '/* fitelt: non-fatal on duckdb-wasm 1.28 */';
const STATEMENTS = ['SET ieee_floating_point_ops = false;', 'SET old_implicit_casting = true;'];
const CLIENT_FILES = ['node.js', 'browser.js'];

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeModules = join(projectRoot, 'node_modules');

function fail(message) {
	console.error(`[patch-duckdb-settings] ERROR: ${message}`);
	process.exit(1);
}

/** Every installed copy of @evidence-dev/universal-sql (hoisted or nested). */
function findUniversalSql(dir, depth = 0, found = []) {
	if (depth > 8 || !existsSync(dir)) return found;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (!entry.isDirectory()) continue;
		const full = join(dir, entry.name);
		if (entry.name === '@evidence-dev') {
			const usql = join(full, 'universal-sql');
			if (existsSync(usql) && statSync(usql).isDirectory()) found.push(usql);
		}
		if (entry.name === 'node_modules' || entry.name.startsWith('@')) {
			findUniversalSql(full, depth + 1, found);
		} else {
			const nested = join(full, 'node_modules');
			if (existsSync(nested)) findUniversalSql(nested, depth + 1, found);
		}
	}
	return found;
}

function patchFile(file) {
	const source = readFileSync(file, 'utf8');
	let patched = source;
	for (const statement of STATEMENTS) {
		const original = `await connection.query('${statement}');`;
		// try/catch, not .catch(): the node client uses duckdb-wasm's blocking bindings, whose
		// query() throws synchronously.
		const replacement = `try { await connection.query('${statement}'); } catch { ${MARKER} }`;
		if (patched.includes(replacement)) continue;
		if (!patched.includes(original)) {
			fail(
				`${relative(projectRoot, file)}: expected statement not found: ${original}\n` +
					'Evidence changed its DuckDB start-up code; review the @duckdb/duckdb-wasm ' +
					'override and this script before upgrading.'
			);
		}
		patched = patched.split(original).join(replacement);
	}
	if (patched !== source) {
		writeFileSync(file, patched);
		return 'patched';
	}
	return 'already patched';
}

if (!existsSync(nodeModules)) fail(`no node_modules in ${projectRoot}`);
const copies = findUniversalSql(nodeModules);
if (copies.length === 0) fail('@evidence-dev/universal-sql is not installed');

for (const copy of copies) {
	for (const name of CLIENT_FILES) {
		const file = join(copy, 'src', 'client-duckdb', name);
		if (!existsSync(file)) fail(`missing ${relative(projectRoot, file)}`);
		console.log(`[patch-duckdb-settings] ${relative(projectRoot, file)}: ${patchFile(file)}`);
	}
}
