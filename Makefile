# slo: make run compiles the shipped specs; make test runs every test.
GO      ?= go
BIN     := bin/slo
PKGS    := ./...

.PHONY: all run build test test-all beyond-test unit unit-race unit-norace testbin-app testbin-slo heavy heavy-app heavy-sim heavy-diff realservers check check-output bench golden lint clean fuzz

all: build

build:
	$(GO) build -o $(BIN) ./cmd/slo

# Compile the shipped specs/ into rules/ and alertmanager/ and say what was written.
run: build
	./$(BIN) compile

# Every test: vet; the Go tests with the race detector in shuffled order
# (those listed in NORACE, and the RACEFREE packages, without it); the
# tests that evaluate the repository's scenarios (both ways over a sample,
# and against mutated rules), without the race detector, which makes them
# ten times slower; slo report of the repository opened in headless
# Chromium; the compiled output of specs/ checked by the real promtool and
# amtool, and loaded by real Prometheus and Alertmanager servers; and slo
# check, the CI gate, on the repository itself and on examples/checkout.
#
# lint runs first: it fails in seconds, and on a cold build cache its go
# vet compiles the dependencies that every test build without -race then
# reuses instead of compiling them side by side. The other steps are
# independent and run side by side, TEST_JOBS at a time, longest first,
# so that the waits of the real servers and the single-core stretches of
# one step (the last long scenario of the exhaustive side, the last
# package of go test) leave no core idle. Each step's output is printed whole when it
# ends (--output-sync=target); -k runs every step even after one fails,
# and make test fails if any did.
TEST_JOBS ?= 2
test: lint
	@$(MAKE) --no-print-directory -k -j$(TEST_JOBS) --output-sync=target \
		unit-race heavy-app realservers unit-norace heavy-sim heavy-diff check-output check

# Tests that spend their time evaluating scenarios or parsing in a single
# goroutine. Under the race detector they take 5 to 10 times as long
# (running them without it took make unit from 283 s of CPU to 160 s, on
# the same busy 2-core machine; TestFiringOnlyAgrees, which calls
# simulate.Observe in a loop, took 27 s under -race in unit and takes 2 s
# without it in heavy-sim; TestEvalEngineLargeRanges, which appends a
# month of samples one by one, 2.7 s against 0.15 s) and find nothing:
# the code that runs in parallel (harness.Run's workers, par.Each's loops,
# slo report's and slo diff's plot workers, the promtool runner's groups,
# slo diff's behaviour workers) runs under -race in unit through smaller
# tests of the same packages (TestStarterPasses, TestParallelOrder, TestAgainstPromtool,
# internal/harness's and internal/diff's tests, TestDiffSame,
# TestDiffPlotsSmall). TestDiffFolders (19 s under -race) and TestDiffPlots
# (16.6 s under -race, 1.5 s without it in -short, for drawing the SLO
# scenarios of its fixture) are here because TestDiffSame runs the same
# comparison, its behaviour workers included, under -race, and
# TestDiffPlotsSmall the comparison and the plot workers on a change to one
# threshold alert (0.2 s). So unit runs
# them without -race, with the same -short assertions; the simulate ones
# run in heavy-sim's full ./internal/simulate/... run. test-all runs them
# under -race too. The last six took 61 s under -race in unit and 6.5 s
# without it (one busy 2-core machine, the same hour: TestImportSameService
# 13.5 s against 0.9, TestPromtoolParity 13.1 against 1.6,
# TestMutatedInputs 11.6 against 1.3, TestTargetsOfTheSpecsPassTheirLoaders
# 9.5 against 1.4, TestCompileDeterministic 7.1 against 0.7,
# TestAnchoredSubqueryModesAgree 7.1 against 0.3): each is one goroutine
# compiling, importing or evaluating, and the parallel code under them
# (harness.Run's workers, the promtool runner's groups, the read-back's
# par.Each) runs under -race in the tests named above and in every compile
# test of internal/app and cmd/slo.
# TestPromtoolReal (real projects' promtool files, 27 s under -race, its
# groups run in parallel) and TestRandomModesAgree and
# TestRandomLatestReadsAgree (random rule files both ways, 18 s under
# -race; heavy-sim runs them without -race and without -short): the
# promtool runner's groups and the engine's split range queries run under
# -race in TestAgainstPromtool, TestParallelOrder, TestModesAgree and
# TestSplitQueriesMatchWhole. TestRealDashboards (ten public Grafana
# dashboards overlaid and compared byte by byte: 22 s under -race, 2.5 s
# without it) runs in a package with no goroutine of its own.
# TestReplayMatchesExhaustive (slo report's replay against an exhaustive
# one on a sample of scenarios: 9 s under -race, 2 s without it) replays
# in one goroutine; Replay runs under -race in TestReplayEdgeCases, and
# the plot workers in TestDiffPlotsSmall. FuzzGeneratedScenariosPass's
# seeds (30 s under -race), TestBaselineOneOfManyHistory (4.6 s),
# TestBaselineDrift (1.4 s) and TestRealOpenSLOScenarios (2.7 s) each run
# slo test on a spec with --parallel 1 or on a few scenarios; the same
# harness and engine run under -race in internal/harness's tests
# (TestDoneInInputOrder and TestParallelismBoundsConcurrentScenarios run
# harness.Run's workers side by side on the real engine), in
# TestStarterPasses (slo test of slo init's project) and in
# internal/simulate's tests. TestLatencyScenarios (every generated
# scenario of latency SLOs and alerts through harness.Run: 24 s under
# -race on a busy machine, 3.2 s without it, its evaluation in the
# scenario workers) is here for the same reason, and TestFiresSomeAgrees
# (random ranges on demand and exhaustively, like TestFiringOnlyAgrees:
# 8.6 s under -race), which heavy-sim runs without it.
# TestUntilFiringAgrees (random "pending, then fires" ranges observed up
# to a probed guess, on demand and exhaustively: 30 s under -race, 5.9 s
# without it) likewise; heavy-sim runs it. TestPendingThenFiresLongRange
# (six ranges of 3,000 steps through harness.Run, both ways: 15 s under
# -race, 2 s without) runs in unit-norace with internal/harness's
# package; harness.Run's workers run under -race in the tests named above.
NORACE  := ^(TestUntilFiringAgrees|TestPendingThenFiresLongRange|TestFiresSomeAgrees|TestLatencyScenarios|FuzzGeneratedScenariosPass|TestBaselineOneOfManyHistory|TestBaselineDrift|TestRealOpenSLOScenarios|TestRealPyrraProject|FuzzModesAgree|TestScripts|TestSlothParity|TestBusinessScenariosPass|TestGeneratedInputHoldsClaim|TestProjectionEndOfMonth|TestYAMLErrorsPositionedAfterMutation|TestCompressedStatesAgree|TestThirtyDaySLOPasses|TestOnDemandSkipsWork|TestFiringOnlyAgrees|TestEvalEngineLargeRanges|TestDiffFolders|TestImportSameService|TestPromtoolParity|TestMutatedInputs|TestTargetsOfTheSpecsPassTheirLoaders|TestCompileDeterministic|TestAnchoredSubqueryModesAgree|TestDiffPlots|TestPromtoolReal|TestRandomModesAgree|TestRandomLatestReadsAgree|TestRealDashboards|TestReplayMatchesExhaustive)$$

# RACEFREE are packages whose tests unit-race leaves out whole: neither
# their code nor their tests start a goroutine, use a channel, sync,
# sync/atomic or par, call t.Parallel or start an httptest server
# (TestRaceFreePackagesShareNothing checks it), so the race detector has
# nothing of theirs to watch, and their test binaries were linked twice,
# with -race for unit-race and without it for the NORACE tests (about 17 s
# of CPU for the three race links). Their tests run without -race:
# internal/signal's in unit-norace, internal/simulate's and
# internal/simulate/plan's in heavy-sim; the code they call that does run
# in parallel (harness.Run's workers, the engine's split range queries,
# the promtool runner's groups) runs under -race in the tests of its own
# packages, as for NORACE above. test-all runs them under -race too.
# REALSERVER is left out of unit-race too: under -short it runs only
# TestExporterShapes, in one goroutine, while its concurrent code (the
# exporter serving scrapes while the test moves its values, the webhook,
# the servers' processes) runs only in TestShippedRulesOnRealServers,
# which needs the real servers and skips under -short; realservers runs
# the whole package under -race instead (one race link where there were
# two links, and the race detector on the code that needs it).
MODULE     := github.com/slo-compiler/slo
RACEFREE   := ./internal/signal/ ./internal/simulate/ ./internal/simulate/plan/
REALSERVER := ./internal/realserver/
RACE_PKGS   = $(filter-out $(patsubst ./%/,$(MODULE)/%,$(RACEFREE) $(REALSERVER)),$(shell $(GO) list $(PKGS)))

unit: unit-race unit-norace

# The test binaries of cmd/slo and internal/app without -race are linked
# once (bin/test/) and run by every step that needs them (unit-norace,
# heavy-app, heavy-diff, realservers): each links Prometheus and
# Alertmanager, 5 to 6 s of CPU a link, and go test links again on every
# call. TESTFLAGS are what go test passes a test binary by itself.
# Every test binary is linked without DWARF debug information
# (-ldflags=-w): make test links about 45 of them, each with Prometheus and
# Alertmanager, and without DWARF a link takes about a fifth less CPU
# (five race test binaries: 33.7 and 36.7 s of CPU against 46.3 and 44.1,
# alternating runs on one busy 2-core machine). Stack traces, panics and
# race reports still name files and lines (they read the binary's own
# line table, which -w keeps); only a debugger needs DWARF, and make test
# runs none.
TEST_LDFLAGS := -ldflags=-w
TESTBIN   := bin/test
TESTFLAGS := -test.paniconexit0 -test.timeout=10m0s

testbin-app:
	$(GO) test $(TEST_LDFLAGS) -c -o $(TESTBIN)/app.test ./internal/app/

testbin-slo:
	$(GO) test $(TEST_LDFLAGS) -c -o $(TESTBIN)/slo.test ./cmd/slo/

# Tests run with the garbage collector at GOGC=400 rather than 100: the
# PromQL engine and the rule manager's template expansion allocate at
# every evaluation step, and a quarter of the CPU of the scenario-wide
# tests went to collecting (TestOnDemandMatchesExhaustive: 128 s of CPU at
# GOGC=100, 88 s at 400, on the same busy machine; its peak memory went
# from 120 MB to 390 MB). What the tests assert does not change. cmd/slo's
# testscript tests hand GOGC on to the slo commands they run. heavy-app,
# without -race, runs at 800 (the comparison: 75 s of CPU, 490 MB); the
# race detector's shadow memory grows with the heap, so unit-race runs at
# Go's default, 100: its page faults cost more than the collections saved
# (two pairs of runs, alternating, one machine: 126.0 and 109.2 s of CPU
# at 400, 119.3 and 102.8 s at 100; 800 gained nothing over 400). make
# test TEST_GOGC=100 restores the default everywhere.
TEST_GOGC ?= 400
TEST_ENV   = GOGC=$(TEST_GOGC)
heavy-app: TEST_GOGC = 800
unit-race: TEST_GOGC = 100

# The race detector's runtime sleeps a second when a process exits, so
# that threads still running can report (atexit_sleep_ms): one second per
# test binary, 30 of them, each holding one of go test's two slots. A
# race in a test is reported, and fails it, when it happens, with or
# without the sleep. Linking and starting every test binary with -race
# and no test to run took 47 s wall with it and 27 s without it (idle
# 2 cores, warm build cache).
RACE_ENV = GORACE=atexit_sleep_ms=0

unit-race:
	$(TEST_ENV) $(RACE_ENV) $(GO) test $(TEST_LDFLAGS) -race -shuffle=on -short -count=1 -skip '$(NORACE)' $(RACE_PKGS)

unit-norace: testbin-slo testbin-app
	$(TEST_ENV) $(GO) test $(TEST_LDFLAGS) -shuffle=on -short -count=1 ./internal/signal/
	$(TEST_ENV) $(GO) test $(TEST_LDFLAGS) -shuffle=on -short -count=1 -run '$(NORACE)' ./internal/spec/ ./internal/overlay/ ./internal/harness/
	cd cmd/slo && $(TEST_ENV) ../../$(TESTBIN)/slo.test $(TESTFLAGS) -test.short -test.shuffle=on -test.run '$(NORACE)'
	cd internal/app && $(TEST_ENV) ../../$(TESTBIN)/app.test $(TESTFLAGS) -test.short -test.shuffle=on -test.run '$(NORACE)'

# The on-demand/exhaustive comparison runs over a fixed sample here (every
# scenario of a spec or scenario file changed since the merge base with
# main; of the others up to 4 days long, every hand-written scenario and
# one generated scenario in three, in six of those over a day); test-all
# (and CI on main) compares every scenario, the week- and month-long ones
# included. TestDiffPlots's
# second run (the same bytes again) is left out of -short runs and runs here.
heavy: heavy-app heavy-sim heavy-diff

# heavy-sim runs internal/simulate/... without -race and without -short:
# every test of internal/simulate and internal/simulate/plan (RACEFREE:
# unit-race leaves them out), and of the other packages the NORACE tests
# and the tests that do more without -short (TestShortSLOModesAgree,
# TestRepoRulesModesAgree, TestRandomModesAgree,
# TestRandomLatestReadsAgree). SIM_RACED are the
# others: they do not read testing.Short() and unit-race already runs
# them, the same assertions under the race detector, so heavy-sim skips
# them. A test that reads testing.Short(), or one of a RACEFREE package,
# must not be listed here (TestHeavySimSkipsOnlyRacedTests).
SIM_RACED := ^(TestScanFindsErrorsAtUnobservedSteps|TestScanOnlyWhatCannotBeProven|TestModesAgree|TestFallbackOnRuleError|TestErrorAtUnobservedStep|TestParallelOrder|TestWriteReport|TestRunFilter|TestAgainstPromtool|TestOnlyEngineImportsEvaluation|TestIsEvaluationPackage|TestFastLoaderLoadsLikeLazyLoader|TestProgressions|TestSideStoreAcceptsWhatTheTSDBAccepts)$$

heavy-app: testbin-app
	cd internal/app && $(TEST_ENV) ../../$(TESTBIN)/app.test $(TESTFLAGS) -test.timeout=30m -test.shuffle=on -test.run 'OnDemandMatchesExhaustive|CatchMutations|ReportInChromium|TestDiffPlots'

heavy-sim:
	$(TEST_ENV) $(GO) test $(TEST_LDFLAGS) -shuffle=on -count=1 -skip '$(SIM_RACED)' ./internal/simulate/...

heavy-diff: testbin-slo
	cd cmd/slo && $(TEST_ENV) ../../$(TESTBIN)/slo.test $(TESTFLAGS) -test.run 'TestDiffRepository'

# make test, then what make test leaves out (make beyond-test, which the CI
# workflow runs on the main branch): the on-demand/exhaustive comparison
# over every scenario of the repository (369 s wall, 579 s of CPU on 2 cores,
# beside another test run), and again with every scenario's assertions moved
# so that they fail and the failure messages are compared too
# (TestOnDemandMatchesExhaustiveFailing, about as long), the
# NORACE tests under the race detector, the Sloth parity comparison on
# every Sloth example (make test runs it on getting-started only; all
# twelve took 95 s wall, 88 s of CPU, beside another test run), and real
# projects' promtool files exhaustively too (make test runs the ones that
# take over a second that way on demand only; with TestPromtoolParity,
# 67 s wall).
test-all: test beyond-test

beyond-test:
	SLO_COMPARE_ALL=1 SLO_COMPARE_MUTATED=1 $(GO) test $(TEST_LDFLAGS) -timeout 60m -count=1 -run 'OnDemandMatchesExhaustive' ./internal/app/
	$(RACE_ENV) $(GO) test $(TEST_LDFLAGS) -race -timeout 30m -short -count=1 -run '$(NORACE)' $(PKGS)
	$(RACE_ENV) $(GO) test $(TEST_LDFLAGS) -race -timeout 30m -short -count=1 -skip '$(NORACE)' $(RACEFREE)
	$(GO) test $(TEST_LDFLAGS) -timeout 30m -count=1 -run 'TestSlothParity|TestPromtoolReal|TestPromtoolParity|TestRealPyrraProject' ./internal/app/

# Debian's prometheus and prometheus-alertmanager, started on loopback by
# the test, load what specs/ compiles to and scrape an exporter inside the
# test: every rule must evaluate without error, and an alert driven past its
# critical threshold must reach the receiver slo test claims. It skips under
# -short (so unit does not run it) and, with a note, where the binaries are
# not installed (.ci/run installs them). It runs, with the rest of its
# package, under the race detector: the exporter and the webhook serve
# Prometheus and Alertmanager from other goroutines while the test moves
# and reads them. About 20 s. Then slo backtest on a
# real Prometheus filled by promtool with known history (docs/backtest.md),
# about 12 s.
realservers: testbin-slo
	$(TEST_ENV) $(RACE_ENV) $(GO) test $(TEST_LDFLAGS) -race -count=1 -v $(REALSERVER)
	cd cmd/slo && $(TEST_ENV) ../../$(TESTBIN)/slo.test $(TESTFLAGS) -test.run 'TestBacktestOnRealServer'

# slo check, the CI gate, on the repository itself and on
# examples/checkout, the new user's project written from the docs alone
# (about 2 s of CPU).
check: build
	./$(BIN) check
	cd examples/checkout && ../../$(BIN) check

# Real binaries accept what we write (skipped, with a note, where they are
# not installed; .ci/run installs them).
check-output: build
	@bash scripts/check-output.sh ./$(BIN)

# Benchmarks report; they never fail on a figure. Compare figures with the
# anchor measured in the same run (BenchmarkCompile1SLO; for slo test and
# slo check, the same command with --exhaustive), not across machines.
# bench-compile.sh runs the in-process compile benchmarks, slo compile, and
# Sloth v0.16 on the same 1,000 SLOs (installed with go install into a
# temporary folder; SLOTH=0 skips it), and 40,000 threshold alerts; slo's
# figures come cold (an empty read-back cache) and warm (the files already
# in it), each against the goals.
bench:
	bash scripts/bench-compile.sh
	bash scripts/bench-test.sh
	bash scripts/bench-speed.sh

# Fuzz each target for FUZZTIME, one after the other with one worker:
# FuzzCompile (a spec through decode, validate, compile, render and
# read-back), FuzzGeneratedScenariosPass (an alert of every generated shape
# with fuzzed thresholds, window and for must pass its own generated
# scenarios), FuzzFromSpec (the scenario-file loader), FuzzParse (the
# decoder alone), FuzzTranslate (the Sloth, OpenSLO and Pyrra importers;
# its seeds are whole upstream files, whose minimization at the default 60 s
# an input stalled it, hence 3 s) and FuzzModesAgree (a promtool unit-test
# file and its rules, on demand against exhaustively). A crasher is saved under the package's
# testdata/fuzz/<FuzzName>/; commit it, and go test replays it from then on.
# make fuzz FUZZTIME=10m fuzzes longer; each target first spends a minute or
# two building with coverage instrumentation.
FUZZTIME ?= 1m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME) -parallel 1 ./internal/app/
	$(GO) test -run '^$$' -fuzz '^FuzzGeneratedScenariosPass$$' -fuzztime $(FUZZTIME) -parallel 1 ./internal/app/
	$(GO) test -run '^$$' -fuzz '^FuzzFromSpec$$' -fuzztime $(FUZZTIME) -parallel 1 ./internal/scenario/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -parallel 1 ./internal/spec/
	$(GO) test -run '^$$' -fuzz '^FuzzTranslate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 3s -parallel 1 ./internal/input/
	$(GO) test -run '^$$' -fuzz '^FuzzModesAgree$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s -parallel 1 ./internal/simulate/promtool/
	$(GO) test -run '^$$' -fuzz '^FuzzApply$$' -fuzztime $(FUZZTIME) -parallel 1 ./internal/overlay/
	$(GO) test -run '^$$' -fuzz '^FuzzParseJSON$$' -fuzztime $(FUZZTIME) -parallel 1 ./internal/overlay/
	$(GO) test -run '^$$' -fuzz '^FuzzScalar$$' -fuzztime $(FUZZTIME) -parallel 1 ./internal/render/

# Rewrite golden files from the current output; review the diff by eye.
golden:
	UPDATE_GOLDEN=1 $(GO) test -count=1 ./internal/... ./cmd/...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: not formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

clean:
	rm -rf bin
