/** The lexical read-only check: reading statements pass, writes and their disguises are refused with a reason. */
import { describe, expect, test } from "bun:test";
import { checkReadOnly } from "./read-only.ts";

const reason = (sql: string) => {
  const v = checkReadOnly(sql);
  return v.ok ? null : v.reason;
};

describe("checkReadOnly", () => {
  test.each([
    "SELECT 1",
    "select id, name from s.items where id = $1;",
    "  (SELECT 1) UNION (SELECT 2)",
    "WITH t AS (SELECT 1 AS x) SELECT x FROM t",
    "VALUES (1), (2)",
    "TABLE s.items",
    "SHOW search_path",
    "EXPLAIN SELECT * FROM s.items",
    "SELECT 'insert into x; drop table y' AS text_not_code",
    'SELECT "update", "for" FROM t',
    "SELECT $$ delete from t; $$ || $tag$ ; commit $tag$",
    "SELECT 1 -- ; drop table t\n",
    "SELECT /* nested /* delete */ ; */ 1",
    "SELECT E'it\\'s; update t set x = 1'",
    "SELECT substring('abc' FROM 1 FOR 2)",
    "SELECT a$b FROM t",
    "SELECT 1.5e3, .5, 0x1F",
  ])("allows %p", (sql) => {
    expect(reason(sql)).toBeNull();
  });

  test.each([
    ["INSERT INTO t VALUES (1)", 'starts with "insert"'],
    ["UPDATE t SET x = 1", 'starts with "update"'],
    ["DELETE FROM t", 'starts with "delete"'],
    ["CREATE TABLE t (x int)", 'starts with "create"'],
    ["DROP TABLE t", 'starts with "drop"'],
    ["COPY t TO STDOUT", 'starts with "copy"'],
    ["SET search_path = evil", 'starts with "set"'],
    ["BEGIN", 'starts with "begin"'],
    ["WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", '"DELETE" is not allowed'],
    ["SELECT * INTO new_table FROM t", '"INTO" is not allowed'],
    ["EXPLAIN ANALYZE INSERT INTO t VALUES (1)", '"INSERT" is not allowed'],
    ["EXPLAIN CREATE TABLE x AS SELECT 1", '"CREATE" is not allowed'],
    ["SELECT * FROM t FOR UPDATE", "locking clauses"],
    ["SELECT * FROM t FOR NO KEY UPDATE", "locking clauses"],
    ["SELECT * FROM t for share", "locking clauses"],
    ["SELECT * FROM t FOR KEY SHARE", "locking clauses"],
    ["SELECT set_config('search_path', 'evil', false)", "set_config() changes state"],
    ["SELECT pg_catalog.SET_CONFIG('a', 'b', false)", "set_config() changes state"],
    ['SELECT "set_config"(\'a\', \'b\', false)', "set_config() changes state"],
    ["SELECT nextval('s')", "nextval() changes state"],
    ["SELECT pg_advisory_lock(1)", "pg_advisory_lock() changes state"],
    ["SELECT pg_terminate_backend(123)", "pg_terminate_backend() changes state"],
    ["SELECT query_to_xml('delete from t', true, true, '')", "query_to_xml() changes state"],
    ["SELECT pg_read_file('/etc/passwd')", "pg_read_file() changes state"],
    ["SELECT 1; SELECT 2", "only one statement"],
    ["SELECT 1; DELETE FROM t", "only one statement"],
    ["SELECT 1 /* ; */ ; ; SELECT 2", "only one statement"],
    ["", "empty"],
    [";", "empty"],
    ["-- nothing", "empty"],
    ["SELECT 'unterminated", "unterminated string"],
    ["SELECT $x$ never closed", "unterminated dollar-quoted"],
    ["SELECT /* open", "unterminated /* comment"],
    ['SELECT U&"\\0073et_config"(\'a\', \'b\', false)', "Unicode-escaped identifiers"],
    ["DO $$ BEGIN DELETE FROM t; END $$", 'starts with "do"'],
  ])("refuses %p", (sql, why) => {
    expect(reason(sql)).toContain(why);
  });

  test("the E'' escape does not let a quote end the string early", () => {
    // Without backslash escapes the string would end at \' and "; delete" would be code.
    expect(reason("SELECT E'\\'; delete from t; '")).toBeNull();
    // A plain string has no backslash escapes: here the quote does end it, and what follows is code.
    expect(reason("SELECT '\\'; delete from t; --'")).toContain("only one statement");
  });
});
