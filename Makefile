# Entry points for developers and CI. `make test` is what .ci/run runs.
SHELL := /bin/bash
EWSCHECK := .build/debug/ewscheck
VENV_PYTHON := .venv/bin/python

.DEFAULT_GOAL := build
.PHONY: setup build demo test bench dist fuzz sanitize

## setup: install Debian packages (as root) and the Python venv for tests/interop
setup:
	@scripts/setup.sh

## build: debug build of every product
build:
	swift build

## plugins-c: the example plugin written in C (plugins/examples/c-hoster), built with json-c
.PHONY: plugins-c
plugins-c: .build/plugins/libewscheck-c-hoster.so

.build/plugins/libewscheck-c-hoster.so: plugins/examples/c-hoster/c_hoster.c plugins/abi/include/ewscheck_plugin.h
	@mkdir -p $(@D)
	cc -shared -fPIC -O2 -fvisibility=hidden -Wall -Wextra -Werror -Iplugins/abi/include -o $@ $< $$(pkg-config --cflags --libs json-c)
	@# Also beside the executable, where `ewscheck plugins list` looks by default.
	@bin=$$(swift build --show-bin-path) && mkdir -p "$$bin" && cp $@ "$$bin/libewscheck-example-c-hoster.so"

## demo: run the conformance suite against the built-in simulator; reports go to reports/
# make itself can only exit 0 or 2, so a failing demo also prints ewscheck's own exit code.
demo: setup build
	@status=0; $(EWSCHECK) demo || status=$$?; \
	if [ $$status -ne 0 ]; then echo "make demo: ewscheck demo exited with status $$status" >&2; fi; \
	exit $$status

## test: Swift unit tests, then the interop tests (real third-party clients, the hostile provider); both always run.
## Swift failures, and a crash of the test binary (backtraced quickly into .build/test-crashes), are summarised last.
## The suites whose tests bound time with a real clock (token lifetimes, latencies, cancellation) run in a
## second pass of their own, after the rest: in the first, ~650 tests share two cores and a loaded CI
## machine once stalled a 2 s run for 30 s. The same binary; nothing is rebuilt.
## Last, any simulator, KDC, dnsmasq or Apache the tests started and left orphaned fails the run (and is killed).
TEST_CRASHES := $(CURDIR)/.build/test-crashes
TIMED_SUITES := ConformanceTests\.(TokenRenewalTests|NotificationsTests|StreamingNotificationsTests|ThrottlingTests|ExchangeThrottlingTests|SimulatedThrottlingRunTests|CouldNotTestTests|CancelledCheckTests)|EWSTransportTests\.(TLSHandshakeFactsTests|TransportHardeningTests)|EWSSimulatorTests\.SubscriptionLongRunTests|EndToEndTests\.KerberosRenewalTests|DiscoveryTests\.DNSTests
test: setup plugins-c
	@status=0; rm -rf $(TEST_CRASHES); mkdir -p $(TEST_CRASHES); \
	python3 scripts/leftover-processes.py --before $(TEST_CRASHES)/processes-before.txt; \
	export SWIFT_BACKTRACE=enable=yes,interactive=no,symbolicate=fast,images=none,output-to=$(TEST_CRASHES); \
	swift test --skip '$(TIMED_SUITES)' 2>&1 | tee $(TEST_CRASHES)/swift-test.txt; \
	[ "$${PIPESTATUS[0]}" -eq 0 ] || status=1; \
	echo "--- the timed suites, on their own ---"; \
	swift test --skip-build --filter '$(TIMED_SUITES)' 2>&1 | tee -a $(TEST_CRASHES)/swift-test.txt; \
	[ "$${PIPESTATUS[0]}" -eq 0 ] || status=1; \
	$(VENV_PYTHON) -m pytest -q tests/interop || status=1; \
	python3 scripts/test-summary.py $(TEST_CRASHES)/swift-test.txt $(TEST_CRASHES); \
	python3 scripts/leftover-processes.py $(TEST_CRASHES)/processes-before.txt || status=1; \
	exit $$status

## bench: release build, then figures (not a test; issue 12 point 5): the per-mailbox voicemail chain over simulated
## tenants of BENCH_MAILBOXES mailboxes (default 100,1000,10000), the full suite at BENCH_FULL_SUITE (1000), and at
## BENCH_COMPARE (300) mailboxes the same chain by ewscheck, exchangelib and a curl keep-alive floor against one simulator
BENCH_MAILBOXES ?= 100,1000,10000
BENCH_FULL_SUITE ?= 1000
BENCH_COMPARE ?= 300
bench: setup
	swift build -c release --product ewscheck
	$(VENV_PYTHON) scripts/bench.py --binary .build/release/ewscheck --mailboxes $(BENCH_MAILBOXES) --full-suite $(BENCH_FULL_SUITE) --compare $(BENCH_COMPARE)

## dist: release tarball (binary, Swift runtime, built-in plugins, docs) and .deb under dist/
dist: setup
	scripts/dist.sh

## fuzz: libFuzzer over every parser of untrusted bytes, FUZZ_SECONDS (default 60) per target; not part of test
fuzz: setup
	scripts/fuzz.sh

## sanitize: the Swift tests under AddressSanitizer, then ThreadSanitizer (own scratch folders); not part of test
# handle_segv=0: a plugin that crashes on purpose must die of its own SIGSEGV (the tests read the
# signal), not of ASan's report; leaks inside the runtime libraries are suppressed by name.
SANITIZE_ENV := ASAN_OPTIONS=handle_segv=0:detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/sanitizers/lsan-suppressions.txt:print_suppressions=0 \
	TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1
sanitize: setup plugins-c
	$(SANITIZE_ENV) swift test --scratch-path .build-asan --sanitize=address
	$(SANITIZE_ENV) swift test --scratch-path .build-tsan --sanitize=thread
