//! Splits a rule's source into tokens, each tagged with the character offset it starts at.

use super::error::RuleError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    True,
    False,
    Null,
    In,
    OrOr,
    AndAnd,
    Bang,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Ident(name) => format!("`{name}`"),
            Tok::True => "`true`".into(),
            Tok::False => "`false`".into(),
            Tok::Null => "`null`".into(),
            Tok::In => "`in`".into(),
            Tok::OrOr => "`||`".into(),
            Tok::AndAnd => "`&&`".into(),
            Tok::Bang => "`!`".into(),
            Tok::EqEq => "`==`".into(),
            Tok::NotEq => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::Slash => "`/`".into(),
            Tok::Percent => "`%`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Eof => "end of rule".into(),
        }
    }
}

/// A token with the 0-based character offsets of its first character and one past its last.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: usize,
    pub(crate) end: usize,
}

/// Eligibility rules are a line or two. The bound keeps a pathological rule (a chain of a
/// million `+`) from building a tree deep enough to exhaust the stack when checked or dropped.
const MAX_TOKENS: usize = 1000;

/// Tokenizes the whole rule; the last token is always `Eof`.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, RuleError> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two = |second: char| chars.get(i + 1) == Some(&second);
        let (tok, len) = match c {
            '0'..='9' => {
                let (n, len) = number(&chars[i..], start)?;
                (Tok::Num(n), len)
            }
            '\'' | '"' => {
                let (s, len) = string(&chars[i..], start)?;
                (Tok::Str(s), len)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                let word: String = chars[i..i + len].iter().collect();
                let tok = match word.as_str() {
                    "true" => Tok::True,
                    "false" => Tok::False,
                    "null" => Tok::Null,
                    "in" => Tok::In,
                    _ => Tok::Ident(word),
                };
                (tok, len)
            }
            '|' if two('|') => (Tok::OrOr, 2),
            '&' if two('&') => (Tok::AndAnd, 2),
            '=' if two('=') => (Tok::EqEq, 2),
            '!' if two('=') => (Tok::NotEq, 2),
            '<' if two('=') => (Tok::Le, 2),
            '>' if two('=') => (Tok::Ge, 2),
            '!' => (Tok::Bang, 1),
            '<' => (Tok::Lt, 1),
            '>' => (Tok::Gt, 1),
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '*' => (Tok::Star, 1),
            '/' => (Tok::Slash, 1),
            '%' => (Tok::Percent, 1),
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            ',' => (Tok::Comma, 1),
            '.' => (Tok::Dot, 1),
            '=' => return Err(RuleError::new(start, "`=` is not an operator; use `==`")),
            '|' => return Err(RuleError::new(start, "`|` is not an operator; use `||`")),
            '&' => return Err(RuleError::new(start, "`&` is not an operator; use `&&`")),
            other => {
                return Err(RuleError::new(
                    start,
                    format!("unexpected character {other:?}"),
                ));
            }
        };
        if tokens.len() == MAX_TOKENS {
            return Err(RuleError::new(
                start,
                format!("rule is too long (more than {MAX_TOKENS} tokens); split it"),
            ));
        }
        tokens.push(Token {
            tok,
            pos: start,
            end: start + len,
        });
        i += len;
    }
    tokens.push(Token {
        tok: Tok::Eof,
        pos: chars.len(),
        end: chars.len(),
    });
    Ok(tokens)
}

/// `digits [. digits] [e [+-] digits]`; returns the value and how many characters it spans.
fn number(chars: &[char], start: usize) -> Result<(f64, usize), RuleError> {
    let digits = |from: usize| {
        chars.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|c| c.is_ascii_digit()).count()
        })
    };
    let mut len = digits(0);
    if chars.get(len) == Some(&'.') && chars.get(len + 1).is_some_and(char::is_ascii_digit) {
        len += 1 + digits(len + 1);
    }
    if matches!(chars.get(len), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(len + 1), Some('+' | '-')));
        let exp = digits(len + 1 + sign);
        if exp == 0 {
            return Err(RuleError::new(start, "malformed number exponent"));
        }
        len += 1 + sign + exp;
    }
    if chars
        .get(len)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_')
    {
        return Err(RuleError::new(
            start + len,
            "a number must not run into a name; add a space or an operator",
        ));
    }
    let text: String = chars[..len].iter().collect();
    text.parse::<f64>()
        .map(|n| (n, len))
        .map_err(|_| RuleError::new(start, format!("malformed number {text:?}")))
}

/// A quoted string with `\\`, `\'`, `\"`, `\n`, `\t` escapes.
fn string(chars: &[char], start: usize) -> Result<(String, usize), RuleError> {
    let Some(&quote) = chars.first() else {
        return Err(RuleError::new(start, "unterminated string"));
    };
    let mut out = String::new();
    let mut i = 1;
    loop {
        match chars.get(i) {
            None => return Err(RuleError::new(start, "unterminated string")),
            Some(c) if *c == quote => return Ok((out, i + 1)),
            Some('\\') => {
                let escaped = match chars.get(i + 1) {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('\\') => '\\',
                    Some('\'') => '\'',
                    Some('"') => '"',
                    Some(other) => {
                        return Err(RuleError::new(
                            start + i,
                            format!("unknown escape \\{other}"),
                        ));
                    }
                    None => return Err(RuleError::new(start, "unterminated string")),
                };
                out.push(escaped);
                i += 2;
            }
            Some(c) => {
                out.push(*c);
                i += 1;
            }
        }
    }
}
