"""python -m bench [name ...]: run Gavel's benchmarks (all by default). Each prints ratios against a
reference measured in the same run. The HTTP benchmarks run gunicorn, as production does for pages and
the API (BENCH_SERVER=asgi: uvicorn instead, for comparison); fanout runs uvicorn, as production does for
WebSockets. soak is the exception to the ratios: ten minutes at half load against absolute goals (memory, connections,
pruned idempotency keys, no lost or out-of-order bid). BENCH_DB / BENCH_REDIS_URL pick the throwaway database."""

import argparse
import sys

BENCHMARKS = ["hot_auction", "many_auctions", "close_lateness", "dashboard", "fanout", "tree_head", "bid_log",
              "insights", "saved_searches", "soak"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run")
    parser.add_argument("--clients", type=int, nargs="+", default=[16, 32],
                        help="concurrent dealers (soak: the first)")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each comparison (hot/many_auctions)")
    parser.add_argument("--auctions", type=int, default=None,
                        help="auctions (many_auctions/close/dashboard/soak)")
    parser.add_argument("--ws-clients", type=int, nargs="+", default=[500, 2000], help="WebSocket clients (fanout)")
    parser.add_argument("--rate", type=float, default=10.0, help="bids per second (fanout)")
    parser.add_argument("--entries", type=int, default=1_000_000, help="log entries (tree_head, bid_log)")
    parser.add_argument("--bids", type=int, default=200, help="accepted bids per run (bid_log)")
    parser.add_argument("--sales", type=int, default=100_000, help="closed sales (insights)")
    parser.add_argument("--searches", type=int, default=10_000, help="stored saved searches (saved_searches)")
    parser.add_argument("--soak-seconds", type=float, default=600.0, help="length of the soak at half load (soak)")
    parser.add_argument("--warmup-seconds", type=float, default=60.0,
                        help="the soak's warm-up: memory growth is measured from its end (soak)")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or BENCHMARKS
    if len(names) > 1:
        # One process per benchmark: each recreates the database and configures Django for itself.
        import subprocess

        status = 0
        passthrough = [a for a in (argv if argv is not None else sys.argv[1:]) if a not in names]
        for name in names:
            status |= subprocess.run([sys.executable, "-m", "bench", name, *passthrough], check=False).returncode
        return status
    status = 0
    for name in names:
        if name == "hot_auction":
            from bench.bidding import main as bidding_main

            status |= bidding_main(auctions=1, clients=args.clients, seconds=args.seconds, workers=args.workers,
                                   title="Hot auction", repeats=args.repeats)
        elif name == "many_auctions":
            from bench.bidding import main as bidding_main

            status |= bidding_main(auctions=args.auctions or 1000, clients=args.clients, seconds=args.seconds,
                                   workers=args.workers, title="Many auctions", repeats=args.repeats)
        elif name == "close_lateness":
            from bench.closing import main as closing_main

            status |= closing_main(auctions=args.auctions or 1000, clients=max(args.clients), workers=args.workers)
        elif name == "dashboard":
            from bench.dashboard import main as dashboard_main

            status |= dashboard_main(auctions=args.auctions or 10_000, workers=args.workers)
        elif name == "fanout":
            from bench.live import main as live_main

            status |= live_main(clients=args.ws_clients, seconds=args.seconds, rate=args.rate, workers=args.workers)
        elif name == "tree_head":
            from bench.transparency import main as transparency_main

            status |= transparency_main(entries=args.entries)
        elif name == "bid_log":
            from bench.bid_log import main as bid_log_main

            status |= bid_log_main(bids=args.bids, entries=args.entries)
        elif name == "insights":
            from bench.insights import main as insights_main

            status |= insights_main(sales=args.sales)
        elif name == "saved_searches":
            from bench.saved_searches import main as saved_searches_main

            status |= saved_searches_main(searches=args.searches)
        elif name == "soak":
            from bench.soak import main as soak_main

            status |= soak_main(seconds=args.soak_seconds, warmup=args.warmup_seconds, clients=args.clients[0],
                                workers=args.workers, auctions=args.auctions or 200)
        print()
    return status


if __name__ == "__main__":
    sys.exit(main())
