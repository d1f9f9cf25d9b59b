//! The field path (`attributes.arpu.column`) at a line:col of a mapping file: serde errors
//! carry only the position. The same walk as concord-strategy's (private there).

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
pub(super) fn path_at(src: &str, line: u64, column: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `input` marks the target with `^` (removed before parsing); `expected` is the path.
    fn check(input: &str, expected: &str) {
        let marker = input.find('^').expect("test input has a ^ marker");
        let src = input.replacen('^', "", 1);
        let before = &src[..marker];
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) as u64 + 1;
        assert_eq!(path_at(&src, line, column), expected, "{input}");
    }

    #[test]
    fn finds_the_field() {
        check("^id: a\n", "");
        check("id: ^a\n", "id");
        check("attributes:\n  arpu:\n    ^colum: x\n", "attributes.arpu");
        check(
            "attributes:\n  arpu:\n    type: number\n    ^colum: x\n",
            "attributes.arpu.colum",
        );
        check(
            "attributes:\n  arpu: { column: ^x }\n",
            "attributes.arpu.column",
        );
        check(
            "holdings_from:\n  tv: { column: a, equals: ^Yes }\n",
            "holdings_from.tv.equals",
        );
    }
}
