# cdtt — build, run and test.
#   make          build build/cdtt
#   make run      install what is missing, start a private PostgreSQL, migrate, serve (no Node.js)
#   make check    install what is missing, cppcheck the C sources, start a throwaway PostgreSQL,
#                 run every test
#   make env      the export lines that point build/cdtt's subcommands at `make run`'s database
#   make admin-password   the password `make run` printed for the demo's admin
#   make fresh-check      `make run` and `make check` in a clean Debian 12 root (debootstrap; slow)
#   make asan     the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make lint     cppcheck over the C sources, Redocly over the OpenAPI document
#   make stop     stop the PostgreSQL that `make run` started

BUILD    ?= build
CC       ?= gcc
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)
PKGS      = libulfius libmicrohttpd jansson libjwt libyder libpq libsodium libcrypto
SAN      ?=
OPT      ?= -O2
CFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror $(OPT) -g $(SAN) \
            $(shell pkg-config --cflags $(PKGS))
LDLIBS    = $(shell pkg-config --libs $(PKGS)) -lpthread
TEST_LIBS = $(shell pkg-config --libs check) $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

LIB_SRC   = $(filter-out api/main.c, $(wildcard api/*.c api/http/*.c api/auth/*.c api/resources/*.c)) \
            $(wildcard db/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o $(BUILD)/obj/gen/spec.o \
            $(BUILD)/obj/gen/seed.o $(BUILD)/obj/gen/functions.o
MIGRATIONS = $(sort $(wildcard db/migrations/*.sql))
SEEDS     = $(sort $(wildcard db/seed/*.sql))
FUNCTIONS = $(sort $(wildcard db/functions/*.sql))
UNIT_SRC  = $(wildcard tests/unit/*.c)
INTEG_SRC = $(wildcard tests/integration/*.c)
TOOLS     = build/tools

.PHONY: all tests check check-run asan lint lint-c run stop clean deps deps-run docs-check env \
        admin-password fresh-check
all: $(BUILD)/cdtt

# What `make check` needs (compilers, PostgreSQL, test tools, the Node.js tools when Node.js is
# new enough), and the smaller set `make run` needs (no Node.js).
deps:
	@deploy/install-deps.sh check
deps-run:
	@deploy/install-deps.sh run

$(BUILD)/cdtt: $(BUILD)/obj/api/main.o $(BUILD)/libcdtt.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Only main.o carries the version, so a new commit does not rebuild everything.
$(BUILD)/obj/api/main.o: CFLAGS += -DCDTT_VERSION='"$(VERSION)"'

$(BUILD)/libcdtt.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c $(wildcard api/*.h api/*/*.h db/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Build-time tools run on the build machine: never sanitized, always in build/tools.
$(TOOLS)/embed: api/tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $<
$(TOOLS)/yaml2json: api/tools/yaml2json.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -o $@ $< \
		$(shell pkg-config --cflags --libs jansson yaml-0.1)

# The OpenAPI document is edited as YAML and served as JSON; the docs page inlines it.
$(TOOLS)/openapi.json: openapi/openapi.yaml $(TOOLS)/yaml2json
	$(TOOLS)/yaml2json $< $@
# In the page, "<" is escaped too (only strings can hold it), so no "<!--" or "</script" in
# a description can end the script element early.
$(TOOLS)/docs.html: openapi/docs.html $(TOOLS)/openapi.json
	sed 's/</\\u003c/g' $(TOOLS)/openapi.json > $(TOOLS)/openapi.inline.json
	sed -e '/@@OPENAPI_JSON@@/{r $(TOOLS)/openapi.inline.json' -e 'd}' openapi/docs.html > $@

$(BUILD)/gen/migrations.c: $(MIGRATIONS) $(TOOLS)/embed
	@mkdir -p $(dir $@)
	$(TOOLS)/embed $@ migrations_embedded $(MIGRATIONS)
$(BUILD)/gen/functions.c: $(FUNCTIONS) $(TOOLS)/embed
	@mkdir -p $(dir $@)
	$(TOOLS)/embed $@ functions_embedded $(FUNCTIONS)
$(BUILD)/gen/seed.c: $(SEEDS) $(TOOLS)/embed
	@mkdir -p $(dir $@)
	$(TOOLS)/embed $@ seed_embedded $(SEEDS)
$(BUILD)/gen/spec.c: $(TOOLS)/openapi.json $(TOOLS)/docs.html $(TOOLS)/embed
	@mkdir -p $(dir $@)
	$(TOOLS)/embed $@ spec_embedded $(TOOLS)/openapi.json $(TOOLS)/docs.html
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c api/embedded.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iapi -c -o $@ $<

tests: $(BUILD)/tests/unit $(BUILD)/tests/integration
$(BUILD)/tests/unit: $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libcdtt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)
$(BUILD)/tests/integration: $(INTEG_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libcdtt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

check: deps
	@$(MAKE) --no-print-directory lint-c
	@$(MAKE) --no-print-directory check-run

check-run: all tests
	@tests/run.sh $(BUILD)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		check-run

lint: deps lint-c
	@if why=$$(tests/node-ok.sh redocly); then \
		.tools/node_modules/.bin/redocly lint --config openapi/redocly.yaml --format=stylish openapi/openapi.yaml; \
	else echo "OpenAPI lint skipped: $$why"; fi

lint-c:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
		--std=c11 --inline-suppr --suppress=missingIncludeSystem \
		-D_POSIX_C_SOURCE=200809L -Iapi -Idb api db tests

# Headless Chromium renders /docs from a running server and checks the operations appear.
docs-check: all
	@tests/docs/render-check.sh $(BUILD)/cdtt

run: deps-run
	@$(MAKE) --no-print-directory all
	@deploy/run-local.sh $(BUILD)/cdtt

env:
	@deploy/run-local.sh env
admin-password:
	@deploy/run-local.sh admin-password

# Too slow for every `make check`: a Debian 12 root made by debootstrap, `make run` answering
# /readyz and `make check` passing inside it (tests/fresh-debian/README.md).
fresh-check:
	@tests/fresh-debian/run.sh

stop:
	@deploy/pg.sh stop "$$(deploy/pg.sh dir-for-run)"

clean:
	rm -rf build
