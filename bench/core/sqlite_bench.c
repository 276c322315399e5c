/*
** sqlite_bench.c — a CPU-bound in-memory SQLite workload.
**
** The same source is built natively and for wasm32-wasi; bench/run.sh runs
** it natively, on both wasmplug tiers and on Node, and requires every run to
** print the same checksum.  The workload touches what real programs do with
** SQLite: bulk inserts in a transaction, index builds, point and range
** lookups through an index, a join, GROUP BY aggregates, updates, deletes
** and a sort.  Everything is deterministic: the data comes from our own
** xorshift generator (SQLite's random() would ask the OS for entropy), and
** only integers and text are folded into the checksum, so libm and
** long-double differences between targets cannot change it.
**
** usage: sqlite_bench [SCALE]   (default 1; SCALE multiplies the row count)
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

/* FNV-1a over everything the queries return. */
static uint64_t sum = 0xcbf29ce484222325ull;

static void fold_bytes(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    sum ^= b[i];
    sum *= 0x100000001b3ull;
  }
}

static void fold_int(int64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)v >> (8 * i));
  fold_bytes(b, 8);
}

static sqlite3 *db;

static void die(const char *what) {
  fprintf(stderr, "sqlite_bench: %s: %s\n", what, sqlite3_errmsg(db));
  exit(1);
}

static void exec(const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "sqlite_bench: %s: %s\n", sql, msg ? msg : "?");
    exit(1);
  }
}

static sqlite3_stmt *prepare(const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(sql);
  return st;
}

/* Steps a statement to completion, folding every column of every row. */
static int64_t drain(sqlite3_stmt *st) {
  int64_t rows = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rows++;
    int n = sqlite3_column_count(st);
    for (int i = 0; i < n; i++) {
      switch (sqlite3_column_type(st, i)) {
      case SQLITE_INTEGER: fold_int(sqlite3_column_int64(st, i)); break;
      case SQLITE_FLOAT: fold_int((int64_t)(sqlite3_column_double(st, i) * 1000.0)); break;
      case SQLITE_TEXT:
        fold_bytes(sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
        break;
      case SQLITE_NULL: fold_int(-1); break;
      default: fold_int((int64_t)sqlite3_column_bytes(st, i)); break;
      }
    }
  }
  if (rc != SQLITE_DONE) die("step");
  sqlite3_reset(st);
  return rows;
}

static const char *const words[] = {
    "alpha", "bravo", "charlie", "delta", "echo",   "foxtrot", "golf",   "hotel",
    "india", "juliet", "kilo",   "lima",  "mike",   "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor",  "whiskey", "xray",
};
#define NWORDS (sizeof words / sizeof words[0])

int main(int argc, char **argv) {
  int scale = argc > 1 ? atoi(argv[1]) : 1;
  if (scale < 1 || scale > 1000) {
    fprintf(stderr, "usage: sqlite_bench [SCALE 1..1000]\n");
    return 2;
  }
  const int nrows = 60000 * scale, ncust = 1500 * scale;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) die("open");
  exec("PRAGMA cache_size=-65536");
  exec("CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT, region INTEGER)");
  exec("CREATE TABLE orders(id INTEGER PRIMARY KEY, cust INTEGER, item TEXT,"
       " qty INTEGER, price INTEGER, note TEXT)");

  /* 1. bulk insert in one transaction */
  exec("BEGIN");
  sqlite3_stmt *ins = prepare("INSERT INTO customer(id, name, region) VALUES(?,?,?)");
  char buf[128];
  for (int i = 0; i < ncust; i++) {
    snprintf(buf, sizeof buf, "%s-%s-%d", words[rng() % NWORDS], words[rng() % NWORDS], i);
    sqlite3_bind_int(ins, 1, i);
    sqlite3_bind_text(ins, 2, buf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(ins, 3, (int)(rng() % 16));
    if (sqlite3_step(ins) != SQLITE_DONE) die("insert customer");
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  ins = prepare("INSERT INTO orders(cust, item, qty, price, note) VALUES(?,?,?,?,?)");
  for (int i = 0; i < nrows; i++) {
    sqlite3_bind_int(ins, 1, (int)(rng() % (uint64_t)ncust));
    sqlite3_bind_text(ins, 2, words[rng() % NWORDS], -1, SQLITE_STATIC);
    sqlite3_bind_int(ins, 3, (int)(rng() % 50) + 1);
    sqlite3_bind_int(ins, 4, (int)(rng() % 100000));
    snprintf(buf, sizeof buf, "order %d for %s", i, words[rng() % NWORDS]);
    sqlite3_bind_text(ins, 5, buf, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(ins) != SQLITE_DONE) die("insert order");
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  exec("COMMIT");

  /* 2. index builds (sorting) */
  exec("CREATE INDEX orders_cust ON orders(cust)");
  exec("CREATE INDEX orders_item_price ON orders(item, price)");
  exec("CREATE INDEX customer_region ON customer(region)");

  /* 3. point lookups through an index */
  sqlite3_stmt *q = prepare("SELECT count(*), sum(qty*price) FROM orders WHERE cust = ?");
  for (int i = 0; i < nrows / 4; i++) {
    sqlite3_bind_int(q, 1, (int)(rng() % (uint64_t)ncust));
    drain(q);
  }
  sqlite3_finalize(q);

  /* 4. range scans on a composite index */
  q = prepare("SELECT id, qty FROM orders WHERE item = ? AND price BETWEEN ? AND ?"
              " ORDER BY price LIMIT 20");
  for (int i = 0; i < nrows / 20; i++) {
    int lo = (int)(rng() % 99000);
    sqlite3_bind_text(q, 1, words[rng() % NWORDS], -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, lo);
    sqlite3_bind_int(q, 3, lo + 1000);
    drain(q);
  }
  sqlite3_finalize(q);

  /* 5. join + GROUP BY aggregates, text functions, a sort */
  q = prepare("SELECT c.region, o.item, count(*), sum(o.qty), max(o.price), min(length(o.note))"
              " FROM orders o JOIN customer c ON c.id = o.cust"
              " GROUP BY c.region, o.item ORDER BY 3 DESC, 1, 2");
  for (int i = 0; i < 3; i++) drain(q);
  sqlite3_finalize(q);
  q = prepare("SELECT upper(substr(note, 1, 9)) AS k, count(*) FROM orders"
              " GROUP BY k ORDER BY 2 DESC, 1 LIMIT 50");
  drain(q);
  sqlite3_finalize(q);

  /* 6. updates and deletes */
  exec("BEGIN");
  q = prepare("UPDATE orders SET qty = qty + 1, note = note || '!' WHERE cust = ?");
  for (int i = 0; i < ncust; i++) {
    sqlite3_bind_int(q, 1, (int)(rng() % (uint64_t)ncust));
    if (sqlite3_step(q) != SQLITE_DONE) die("update");
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  exec("DELETE FROM orders WHERE price % 7 = 0");
  exec("COMMIT");

  /* 7. final aggregates over everything */
  q = prepare("SELECT count(*), sum(qty), sum(price), total(qty*price) / count(*),"
              " group_concat(DISTINCT item) FROM orders");
  drain(q);
  sqlite3_finalize(q);
  q = prepare("SELECT region, count(DISTINCT cust) FROM orders JOIN customer"
              " ON customer.id = orders.cust GROUP BY region ORDER BY region");
  drain(q);
  sqlite3_finalize(q);

  sqlite3_close(db);
  printf("checksum %016llx\n", (unsigned long long)sum);
  return 0;
}
