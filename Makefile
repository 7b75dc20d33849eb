# recorder — seccomp profiles from what a workload really does.
#   make run    build, then replay the bundled example log and print its profile (no root needed)
#   make test   every test; the kernel tests need root (CI runs as root)
#   make bench  benchmarks, and replay vs grep|sort on a 1,000,000-line syslog

GO        ?= go
BIN       := bin/recorder
EXAMPLE   ?= testdata/logs/syslog-rfc3339.log
PKGS      := libseccomp-dev pkg-config gcc
GOTESTFLAGS ?=

.PHONY: all build run test bench fuzz deps vet clean

all: build

# deps checks for what cgo needs (libseccomp-golang) and installs it when it can.
deps:
	@if ! pkg-config --exists libseccomp 2>/dev/null || ! command -v gcc >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(PKGS) (needed to build with libseccomp)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(PKGS) >/dev/null || \
	      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(PKGS) >/dev/null; }; \
	  else \
	    echo "missing packages: $(PKGS) — install them with: sudo apt-get install -y $(PKGS)" >&2; exit 1; \
	  fi; \
	fi

build: deps
	$(GO) build -o $(BIN) ./cmd/recorder

run: build
	./$(BIN) replay $(EXAMPLE)

vet: deps
	$(GO) vet ./...

test: deps vet
	$(GO) test -count=1 -timeout 9m $(GOTESTFLAGS) ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./audit/ ./profilegen/ ./cmd/recorder/
	./scripts/bench-replay.sh

fuzz: deps
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 1000000x ./audit/
	$(GO) test -run '^$$' -fuzz FuzzFileName -fuzztime 300000x ./profilegen/

clean:
	rm -rf bin testdata/bench
