"""``python -m crawler.fakeforge``: serve the fake forge until killed; print FAKEFORGE_URL=..."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import FakeForge


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.fakeforge",
                                     description="A fake GitHub/GitLab/Gitea API server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--repos", type=int, default=30, help="repositories per forge")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per window per forge")
    parser.add_argument("--rate-window-s", type=float, default=60)
    parser.add_argument("--search-rate-limit", type=int, default=None, help="GitHub search bucket")
    parser.add_argument("--require-token", default=None, help="answer 401 without this token")
    parser.add_argument("--gitea-limit-status", type=int, choices=(429, 403), default=429)
    parser.add_argument("--hostile", action="store_true", help="add repositories with hostile texts")
    for forge in ("github", "gitlab", "gitea"):
        parser.add_argument(f"--{forge}-web", default=None, help=f"web base of {forge} URLs in bodies")
    args = parser.parse_args(argv)
    if args.repos < 0:
        parser.error(f"--repos must be >= 0, not {args.repos}")
    web = {f: getattr(args, f"{f}_web") for f in ("github", "gitlab", "gitea") if getattr(args, f"{f}_web")}
    forge = FakeForge(repos=args.repos, seed=args.seed, latency_ms=args.latency_ms, rate_limit=args.rate_limit,
                      rate_window_s=args.rate_window_s, search_rate_limit=args.search_rate_limit,
                      require_token=args.require_token, hostile=args.hostile, web_bases=web, port=args.port,
                      gitea_limit_status=args.gitea_limit_status)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        forge.start()
    except OSError as error:
        print(f"Error: cannot listen on 127.0.0.1:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"FAKEFORGE_URL={forge.url}", flush=True)
    done.wait()
    forge.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
