//! The plugin's own check that a statement only reads, before it asks the
//! host. Same rules as the gateway's (src/capabilities/sql/read-only.ts),
//! which checks again, so a plugin built from other sources gains nothing:
//! one statement; it starts with SELECT, WITH, VALUES, TABLE, SHOW or
//! EXPLAIN; no data-changing keyword, locking clause or state-changing
//! function anywhere outside strings, comments and quoted names.

const READ_STARTS: &[&str] = &["select", "with", "values", "table", "show", "explain"];

const WRITE_WORDS: &[&str] = &[
    "insert", "update", "delete", "merge", "into", "execute", "create", "declare", "truncate", "drop", "alter",
    "grant", "revoke", "copy",
];

/// Exact names, then prefixes (a trailing `*`).
const WRITE_FUNCTIONS: &[&str] = &[
    "set_config", "nextval", "setval", "pg_advisory_*", "pg_try_advisory_*", "lo_*", "pg_read_file",
    "pg_read_binary_file", "pg_ls_*", "pg_stat_file", "pg_terminate_backend", "pg_cancel_backend",
    "pg_reload_conf", "pg_rotate_logfile*", "pg_notify", "dblink*", "query_to_xml*", "cursor_to_xml*",
    "table_to_xml*", "schema_to_xml*", "database_to_xml*", "txid_current*", "pg_current_xact_id*",
    "pg_switch_wal", "pg_create_*", "pg_drop_*", "pg_logical_*", "pg_replication_*", "pg_promote", "pg_file_*",
    "pg_import_system_collations", "pg_stat_reset*", "pg_backup_*", "pg_wal_replay_*",
];

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Punct(char),
}

pub fn check(sql: &str) -> Result<(), String> {
    let mut tokens = tokenize(sql)?;
    while tokens.last() == Some(&Token::Punct(';')) {
        tokens.pop();
    }
    if tokens.is_empty() {
        return Err("the statement is empty".into());
    }
    if tokens.contains(&Token::Punct(';')) {
        return Err("only one statement per query is allowed (found a ';' before the end)".into());
    }
    match tokens.iter().find(|t| **t != Token::Punct('(')) {
        Some(Token::Word(w)) if READ_STARTS.contains(&w.as_str()) => {}
        other => {
            let start = match other {
                Some(Token::Word(w)) | Some(Token::Quoted(w)) => w.clone(),
                Some(Token::Punct(c)) => c.to_string(),
                None => "(".into(),
            };
            return Err(format!(
                "only reading statements are allowed (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN); this one starts with \"{}\"",
                start
            ));
        }
    }
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        if let Token::Word(w) = token {
            if WRITE_WORDS.contains(&w.as_str()) {
                return Err(format!(
                    "\"{}\" is not allowed in a read-only query (if it is a column or table name, write it in double quotes)",
                    w.to_uppercase()
                ));
            }
            if w == "for" {
                if let Some(Token::Word(n)) = next {
                    if ["update", "share", "no", "key"].contains(&n.as_str()) {
                        return Err("locking clauses (FOR UPDATE / FOR SHARE) are not allowed in a read-only query".into());
                    }
                }
            }
        }
        let name = match token {
            Token::Word(w) | Token::Quoted(w) => w.to_lowercase(),
            Token::Punct(_) => continue,
        };
        if next == Some(&Token::Punct('(')) && is_write_function(&name) {
            return Err(format!("the function {}() changes state and is not allowed in a read-only query", name));
        }
    }
    Ok(())
}

fn is_write_function(name: &str) -> bool {
    WRITE_FUNCTIONS.iter().any(|f| match f.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *f,
    })
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_word_part(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = sql.chars().collect();
    let n = chars.len();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i = skip_block_comment(&chars, i)?;
        } else if c == '\'' {
            // E'...' takes backslash escapes: the prefix was read as the word "e" right before.
            let escapes = i > 0 && chars[i - 1].eq_ignore_ascii_case(&'e') && tokens.last() == Some(&Token::Word("e".into()));
            i = skip_quoted(&chars, i, '\'', escapes, "string")?;
        } else if c == '"' {
            let n_tokens = tokens.len();
            if n_tokens >= 2 && tokens[n_tokens - 1] == Token::Punct('&') && tokens[n_tokens - 2] == Token::Word("u".into()) {
                return Err("Unicode-escaped identifiers (U&\"...\") are not accepted; write the name plainly".into());
            }
            let end = skip_quoted(&chars, i, '"', false, "quoted identifier")?;
            let name: String = chars[i + 1..end - 1].iter().collect();
            tokens.push(Token::Quoted(name.replace("\"\"", "\"")));
            i = end;
        } else if c == '$' {
            i = skip_dollar(&chars, i)?;
        } else if is_word_start(c) {
            let start = i;
            while i < n && is_word_part(chars[i]) {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect::<String>().to_lowercase()));
        } else if c.is_ascii_digit() || (c == '.' && next.map_or(false, |d| d.is_ascii_digit())) {
            while i < n && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    Ok(tokens)
}

/// `$1` (a parameter) or a `$tag$ ... $tag$` string; returns the index after it.
fn skip_dollar(chars: &[char], start: usize) -> Result<usize, String> {
    let mut j = start + 1;
    if j < chars.len() && (chars[j].is_ascii_alphabetic() || chars[j] == '_' || chars[j] == '$') {
        while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        if j < chars.len() && chars[j] == '$' {
            let tag = &chars[start..=j];
            let mut k = j + 1;
            while k + tag.len() <= chars.len() {
                if &chars[k..k + tag.len()] == tag {
                    return Ok(k + tag.len());
                }
                k += 1;
            }
            return Err(format!("unterminated dollar-quoted string ({})", tag.iter().collect::<String>()));
        }
        return Ok(start + 1);
    }
    while j < chars.len() && chars[j].is_ascii_digit() {
        j += 1;
    }
    Ok(j)
}

fn skip_block_comment(chars: &[char], start: usize) -> Result<usize, String> {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += 1;
        }
    }
    Err("unterminated /* comment".into())
}

fn skip_quoted(chars: &[char], start: usize, quote: char, backslash_escapes: bool, what: &str) -> Result<usize, String> {
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if backslash_escapes && c == '\\' {
            i += 2;
        } else if c == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return Ok(i + 1);
            }
        } else {
            i += 1;
        }
    }
    Err(format!("unterminated {}", what))
}
#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn reads_pass_and_writes_are_refused() {
        for ok in ["SELECT 1", "with t as (select 1) select * from t;", "SELECT 'insert; drop' AS x", "SELECT $$ ; delete $$", "SELECT E'\\'; delete'", "SELECT \"update\" FROM t", "SELECT /* ; /* x */ */ 1"] {
            assert_eq!(check(ok), Ok(()), "{}", ok);
        }
        for bad in ["INSERT INTO t VALUES (1)", "SELECT 1; SELECT 2", "WITH d AS (DELETE FROM t RETURNING *) SELECT 1", "SELECT * FROM t FOR UPDATE", "SELECT set_config('a','b',false)", "SELECT \"set_config\"('a','b',false)", "SELECT pg_advisory_lock(1)", "COPY t TO STDOUT", "SELECT * INTO x FROM t", "", "SELECT 'open", "SELECT $a$ open", "SELECT U&\"x\"(1)"] {
            assert!(check(bad).is_err(), "{}", bad);
        }
    }
}
