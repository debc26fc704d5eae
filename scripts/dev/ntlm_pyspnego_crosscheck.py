#!/usr/bin/env python3
"""Produce real NTLM client tokens with pyspnego, to cross-check the simulator's NTLM acceptor.

pyspnego is what requests_ntlm (and so exchangelib) uses, so its tokens are the ones the
simulator must accept. Developer tool only; no test target runs it.

Usage:
    ntlm_pyspnego_crosscheck.py [--user 'DOMAIN\\user'] [--password PW] [--lm-compat-level N]
                                [CHALLENGE_BASE64]

Prints `NEGOTIATE <base64>`. Given a CHALLENGE (base64 of the bytes the acceptor returned for
that NEGOTIATE), also prints `AUTHENTICATE <base64>`. pyspnego's NEGOTIATE does not vary between
runs for the same options, so a CHALLENGE produced for the first run's NEGOTIATE can be answered
by a second run. LM compatibility levels 0-2 make pyspnego send NTLMv1 responses, which the
acceptor must refuse; 3 (the default) sends NTLMv2.

Needs `pip install pyspnego==0.12.4`.
"""

import argparse
import base64
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="CONTOSO\\alice", help="DOMAIN\\user or user")
    parser.add_argument("--password", default="Secr3t!pw")
    parser.add_argument("--hostname", default="exch01.contoso.test")
    parser.add_argument("--lm-compat-level", type=int, default=3, choices=range(0, 6))
    parser.add_argument("challenge", nargs="?", help="CHALLENGE message, base64")
    args = parser.parse_args()

    # pyspnego reads the level from the environment when the context is created.
    os.environ["LM_COMPAT_LEVEL"] = str(args.lm_compat_level)
    import spnego  # imported late so the variable above is in place

    client = spnego.client(args.user, args.password, hostname=args.hostname, service="HTTP", protocol="ntlm")
    negotiate = client.step()
    print("NEGOTIATE", base64.b64encode(negotiate).decode())
    if args.challenge:
        authenticate = client.step(base64.b64decode(args.challenge))
        print("AUTHENTICATE", base64.b64encode(authenticate).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
