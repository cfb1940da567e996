"""`fitelt simulate sensors|bikes`: run a live-stream simulator in the foreground (127.0.0.1)."""

from __future__ import annotations

import argparse
import logging
import threading

from dlt_sources.simulators.bikes import BikeSimulator
from dlt_sources.simulators.foot_sensors import FootSensorSimulator
from fitelt.cli.arguments import float_range, int_range, port_or_zero

log = logging.getLogger("fitelt")

HOST = "127.0.0.1"  # the simulators have no authentication: loopback only


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="run a live-stream simulator (foot sensors or bikes)")
    kinds = p.add_subparsers(dest="kind", required=True)
    s = kinds.add_parser("sensors", help="foot-pressure sensors API: GET /{person_id} (1-6)")
    s.add_argument("--port", type=port_or_zero, default=3002)
    s.add_argument(
        "--anomaly-rate", type=float_range(0, 1), default=0.02, help="share of answers, 0-1"
    )
    s.add_argument("--seed", type=int, default=7)
    b = kinds.add_parser("bikes", help="bike telemetry log: GET /logs?offset=N, GET /status")
    b.add_argument("--port", type=port_or_zero, default=3003)
    b.add_argument(
        "--bikes", type=int_range(1, 1000), default=3, help="bikes ridden at the same time"
    )
    b.add_argument(
        "--speed",
        type=float_range(0, 1000, low_open=True),
        default=1.0,
        help="simulated seconds per real second",
    )
    b.add_argument("--mid-ride", action="store_true", help="start with rides already going")
    b.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    try:
        if args.kind == "sensors":
            server = FootSensorSimulator(anomaly_rate=args.anomaly_rate, seed=args.seed).serve(
                HOST, args.port
            )
            variable = "FITELT_SENSORS_API"
            stop_extra = None
        else:
            if args.bikes < 1 or args.speed <= 0:
                log.error("--bikes must be at least 1 and --speed positive")
                return 2
            bikes = BikeSimulator(
                bikes=args.bikes, speed=args.speed, seed=args.seed, mid_ride=args.mid_ride
            )
            server = bikes.serve(HOST, args.port)
            variable, stop_extra = "FITELT_BIKES_API", bikes.stop
    except (ValueError, OSError) as exc:
        log.error("cannot start the simulator: %s", exc)
        return 2
    log.info("%s simulator on %s — export %s=%s; Ctrl-C stops", args.kind, server.url,
             variable, server.url)  # fmt: skip
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if stop_extra:
            stop_extra()
    return 0
