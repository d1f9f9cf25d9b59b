//! Positions inside YAML files: the field path at a line:col (serde errors only carry the
//! position), and where a character of a rule string sits in the file.

use serde_saphyr::Location;
use serde_saphyr::granit_parser::{Event, Parser};

/// One open collection while walking the YAML events.
enum Frame {
    Map {
        key: Option<String>,
        expecting_key: bool,
    },
    Seq {
        current: Option<usize>,
    },
}

/// The field path (`actions[3].value`) of the node at `line`:`column` (1-based), or of the
/// last node starting before it. When several nodes start there (a mapping and its first
/// key), the outermost wins: "missing field" errors point at the mapping's start.
pub fn path_at(src: &str, line: u64, column: u64) -> String {
    let target = (line, column);
    let mut stack: Vec<Frame> = Vec::new();
    let mut best = String::new();
    let mut exact = false;
    for item in Parser::new_from_str(src) {
        let Ok((event, span)) = item else { break };
        let at = (span.start.line() as u64, span.start.col() as u64 + 1);
        if at > target {
            break;
        }
        match event {
            Event::Scalar(..)
            | Event::Alias(_)
            | Event::SequenceStart(..)
            | Event::MappingStart(..) => {
                let is_key = advance(&mut stack, &event);
                if at < target || !exact {
                    best = render(&stack);
                    exact = at == target;
                }
                match event {
                    Event::SequenceStart(..) => stack.push(Frame::Seq { current: None }),
                    Event::MappingStart(..) => stack.push(Frame::Map {
                        key: None,
                        expecting_key: true,
                    }),
                    _ if !is_key => value_done(&mut stack),
                    _ => {}
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                value_done(&mut stack);
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    best
}

/// Moves the innermost collection to the node that is starting; returns whether it is a key.
fn advance(stack: &mut [Frame], event: &Event<'_>) -> bool {
    match stack.last_mut() {
        Some(Frame::Seq { current }) => {
            *current = Some(current.map_or(0, |idx| idx + 1));
            false
        }
        Some(Frame::Map { key, expecting_key }) if *expecting_key => {
            *key = match event {
                Event::Scalar(text, ..) => Some(text.to_string()),
                _ => None,
            };
            *expecting_key = false;
            true
        }
        Some(Frame::Map { .. }) | None => false,
    }
}

/// After a value (scalar or whole collection) inside a mapping, the next node is a key.
fn value_done(stack: &mut [Frame]) {
    if let Some(Frame::Map { expecting_key, .. }) = stack.last_mut() {
        *expecting_key = true;
    }
}

fn render(stack: &[Frame]) -> String {
    let mut path = String::new();
    for frame in stack {
        match frame {
            Frame::Seq { current: Some(idx) } => path.push_str(&format!("[{idx}]")),
            Frame::Map { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            _ => {}
        }
    }
    path
}

/// Where character `rule_pos` (0-based) of a rule sits in the file, as a 1-based line:col.
/// `node` is the location of the YAML scalar holding the rule. Quoting, escapes and folded
/// lines make the rule differ from the file text, so the two are aligned character by
/// character; if that fails the scalar's own position is returned.
pub(crate) fn rule_position(src: &str, node: &Location, rule: &str, rule_pos: usize) -> (u64, u64) {
    let fallback = (node.line(), node.column());
    let Some(start) = node
        .span()
        .byte_offset()
        .and_then(|offset| usize::try_from(offset).ok())
    else {
        return fallback;
    };
    let Some(text) = src.get(start..) else {
        return fallback;
    };
    let mut source = text.char_indices().peekable();
    match source.peek() {
        Some((_, '"' | '\'')) => {
            source.next();
        }
        Some((_, '|' | '>')) => {
            // A block scalar header: content starts on the next line, after the indentation.
            for (_, c) in source.by_ref() {
                if c == '\n' {
                    break;
                }
            }
        }
        _ => {}
    }
    let skip_whitespace = |source: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while source.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    for wanted in rule.chars().take(rule_pos) {
        if wanted.is_whitespace() {
            skip_whitespace(&mut source);
            continue;
        }
        // An escape (`\"`, `''`) spells one rule character with a few source characters.
        const MAX_ESCAPE: usize = 8;
        let mut found = false;
        for _ in 0..MAX_ESCAPE {
            match source.next() {
                Some((_, c)) if c == wanted => {
                    found = true;
                    break;
                }
                Some(_) => {}
                None => return fallback,
            }
        }
        if !found {
            return fallback;
        }
    }
    if rule
        .chars()
        .nth(rule_pos)
        .is_some_and(|c| !c.is_whitespace())
    {
        skip_whitespace(&mut source);
    }
    let relative = source.peek().map_or(text.len(), |(idx, _)| *idx);
    line_col(src, start + relative)
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_col(src: &str, byte: usize) -> (u64, u64) {
    let before = src.get(..byte).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line as u64, column as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `input` marks the target with `^` (removed before parsing); `expected` is the path.
    fn check_path(input: &str, expected: &str) {
        let marker = input.find('^').expect("test input has a ^ marker");
        let src = input.replacen('^', "", 1);
        let (line, column) = line_col(&src, marker);
        assert_eq!(path_at(&src, line, column), expected, "{input}");
    }

    #[test]
    fn path_at_finds_the_field() {
        check_path("^a: 1\n", "");
        check_path("a: ^1\n", "a");
        check_path("a: 1\n^b: 2\n", "b");
        check_path("xs:\n  - ^id: a\n", "xs[0]");
        check_path("xs:\n  - id: ^a\n", "xs[0].id");
        check_path(
            "xs:\n  - id: a\n    v: 1\n  - id: b\n    ^bogus: 1\n",
            "xs[1].bogus",
        );
        check_path("xs:\n  - id: a\n  - id: b\n    v: ^abc\n", "xs[1].v");
        check_path("m:\n  t:\n    ussd: { ^txt: hi }\n", "m.t.ussd.txt");
        check_path("xs: [1, 2, ^3]\n", "xs[2]");
        check_path("a:\n  b: 1\nc: ^[\n", "c");
    }

    /// `input` is a YAML document `r: <scalar>`; the rule column `pos` must land on `^`,
    /// which the test inserts as a plain character the rule does not contain.
    fn check_rule(yaml: &str, rule: &str, rule_pos: usize, expected: (u64, u64)) {
        #[derive(serde::Deserialize)]
        struct Doc {
            r: serde_saphyr::Spanned<String>,
        }
        let doc: Doc = serde_saphyr::from_str(yaml).expect("test yaml parses");
        assert_eq!(doc.r.value.trim_end(), rule, "{yaml}");
        assert_eq!(
            rule_position(yaml, &doc.r.referenced, rule, rule_pos),
            expected,
            "{yaml}"
        );
    }

    #[test]
    fn rule_columns_map_into_the_file() {
        check_rule("r: a == b\n", "a == b", 5, (1, 9));
        check_rule("r: 'a == b'\n", "a == b", 5, (1, 10));
        check_rule("r: \"a == b\"\n", "a == b", 0, (1, 5));
        check_rule("r: 'it''s == b'\n", "it's == b", 8, (1, 14));
        check_rule("r: \"\\\"x\\\" == b\"\n", "\"x\" == b", 7, (1, 14));
        check_rule("r: >\n  a &&\n    b\n", "a &&\n  b", 7, (3, 5));
        check_rule("r: |\n  a &&\n  b\n", "a &&\nb", 5, (3, 3));
        check_rule("r: a &&\n  b\n", "a && b", 5, (2, 3));
        check_rule("r: ab\n", "ab", 2, (1, 6));
    }
}
