//! Recursive-descent parser with CEL's precedence: `||` < `&&` < relations and `in` < `+ -` <
//! `* / %` < unary `! -` < member access and calls.

use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use super::error::RuleError;
use super::lexer::{Tok, Token, tokenize};

/// Rules are short; this bound keeps hostile input like `((((...` from exhausting the stack.
const MAX_DEPTH: usize = 64;

/// Parses a whole rule; trailing tokens are an error.
pub(crate) fn parse(src: &str) -> Result<Expr, RuleError> {
    let tokens = tokenize(src)?;
    let mut parser = Parser {
        tokens,
        idx: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    let next = parser.peek();
    if next.tok != Tok::Eof {
        return Err(RuleError::new(
            next.pos,
            format!(
                "unexpected {} after a complete expression",
                next.tok.describe()
            ),
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    idx: usize,
    depth: usize,
}

/// The `Eof` token every token list ends with, for when the index runs past it.
const EOF: Token = Token {
    tok: Tok::Eof,
    pos: 0,
    end: 0,
};

impl Parser {
    fn peek(&self) -> &Token {
        self.tokens
            .get(self.idx)
            .or_else(|| self.tokens.last())
            .unwrap_or(&EOF)
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        self.tokens
            .get(self.idx + ahead)
            .map_or(&Tok::Eof, |t| &t.tok)
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if self.idx < self.tokens.len() {
            self.idx += 1;
        }
        token
    }

    /// End offset of the last consumed token, for expression spans.
    fn last_end(&self) -> usize {
        self.idx
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |last| last.end)
    }

    fn expect(&mut self, tok: Tok, context: &str) -> Result<Token, RuleError> {
        let next = self.peek();
        if next.tok == tok {
            Ok(self.bump())
        } else {
            Err(RuleError::new(
                next.pos,
                format!(
                    "expected {} {context}, found {}",
                    tok.describe(),
                    next.tok.describe()
                ),
            ))
        }
    }

    fn enter(&mut self, pos: usize) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(RuleError::new(pos, "rule is nested too deeply"));
        }
        Ok(())
    }

    fn binary(op: BinaryOp, op_pos: usize, lhs: Expr, rhs: Expr) -> Expr {
        Expr {
            pos: lhs.pos,
            end: rhs.end,
            kind: ExprKind::Binary(op, op_pos, Box::new(lhs), Box::new(rhs)),
        }
    }

    /// One left-associative precedence level.
    fn level(
        &mut self,
        ops: fn(&Tok) -> Option<BinaryOp>,
        next: fn(&mut Self) -> Result<Expr, RuleError>,
    ) -> Result<Expr, RuleError> {
        let mut lhs = next(self)?;
        while let Some(op) = ops(&self.peek().tok) {
            let op_pos = self.bump().pos;
            let rhs = next(self)?;
            lhs = Self::binary(op, op_pos, lhs, rhs);
        }
        Ok(lhs)
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let pos = self.peek().pos;
        self.enter(pos)?;
        let expr = self.level(|t| (*t == Tok::OrOr).then_some(BinaryOp::Or), Self::and);
        self.depth -= 1;
        expr
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        self.level(
            |t| (*t == Tok::AndAnd).then_some(BinaryOp::And),
            Self::relation,
        )
    }

    fn relation(&mut self) -> Result<Expr, RuleError> {
        self.level(
            |t| match t {
                Tok::EqEq => Some(BinaryOp::Eq),
                Tok::NotEq => Some(BinaryOp::Ne),
                Tok::Lt => Some(BinaryOp::Lt),
                Tok::Le => Some(BinaryOp::Le),
                Tok::Gt => Some(BinaryOp::Gt),
                Tok::Ge => Some(BinaryOp::Ge),
                Tok::In => Some(BinaryOp::In),
                _ => None,
            },
            Self::additive,
        )
    }

    fn additive(&mut self) -> Result<Expr, RuleError> {
        self.level(
            |t| match t {
                Tok::Plus => Some(BinaryOp::Add),
                Tok::Minus => Some(BinaryOp::Sub),
                _ => None,
            },
            Self::multiplicative,
        )
    }

    fn multiplicative(&mut self) -> Result<Expr, RuleError> {
        self.level(
            |t| match t {
                Tok::Star => Some(BinaryOp::Mul),
                Tok::Slash => Some(BinaryOp::Div),
                Tok::Percent => Some(BinaryOp::Rem),
                _ => None,
            },
            Self::unary,
        )
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        let op = match self.peek().tok {
            Tok::Bang => UnaryOp::Not,
            Tok::Minus => UnaryOp::Neg,
            _ => return self.postfix(),
        };
        let start = self.bump().pos;
        self.enter(start)?;
        let operand = self.unary();
        self.depth -= 1;
        let operand = operand?;
        Ok(Expr {
            pos: start,
            end: operand.end,
            kind: ExprKind::Unary(op, Box::new(operand)),
        })
    }

    /// A primary followed by `.name` segments and `.method(args)` calls.
    fn postfix(&mut self) -> Result<Expr, RuleError> {
        let mut expr = self.primary()?;
        while self.peek().tok == Tok::Dot {
            self.bump();
            let name_token = self.bump();
            let Tok::Ident(name) = name_token.tok else {
                return Err(RuleError::new(
                    name_token.pos,
                    format!(
                        "expected a name after `.`, found {}",
                        name_token.tok.describe()
                    ),
                ));
            };
            if self.peek().tok == Tok::LParen {
                let mut args = vec![expr];
                args.extend(self.arguments()?);
                let pos = args.first().map_or(name_token.pos, |a| a.pos);
                expr = Expr {
                    pos,
                    end: self.last_end(),
                    kind: ExprKind::Call(name, args),
                };
            } else if let ExprKind::Path(segments) = &mut expr.kind {
                segments.push((name, name_token.pos));
                expr.end = self.last_end();
            } else {
                return Err(RuleError::new(
                    name_token.pos,
                    format!("`.{name}` can only follow a name like `customer`"),
                ));
            }
        }
        Ok(expr)
    }

    /// `( args, ... )` after a function name.
    fn arguments(&mut self) -> Result<Vec<Expr>, RuleError> {
        self.expect(Tok::LParen, "to open the arguments")?;
        let items = self.comma_list(Tok::RParen)?;
        self.expect(Tok::RParen, "to close the arguments")?;
        Ok(items)
    }

    fn comma_list(&mut self, close: Tok) -> Result<Vec<Expr>, RuleError> {
        let mut items = Vec::new();
        if self.peek().tok == close {
            return Ok(items);
        }
        loop {
            items.push(self.or()?);
            if self.peek().tok != Tok::Comma {
                return Ok(items);
            }
            self.bump();
        }
    }

    fn primary(&mut self) -> Result<Expr, RuleError> {
        let token = self.bump();
        let pos = token.pos;
        let kind = match token.tok {
            Tok::Num(n) => ExprKind::Num(n),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::True => ExprKind::Bool(true),
            Tok::False => ExprKind::Bool(false),
            Tok::Null => ExprKind::Null,
            Tok::Ident(name) if *self.peek_at(0) == Tok::LParen => {
                ExprKind::Call(name, self.arguments()?)
            }
            Tok::Ident(name) => ExprKind::Path(vec![(name, pos)]),
            Tok::LParen => {
                let inner = self.or()?;
                self.expect(Tok::RParen, "to close `(`")?;
                return Ok(Expr {
                    pos,
                    end: self.last_end(),
                    kind: inner.kind,
                });
            }
            Tok::LBracket => {
                let items = self.comma_list(Tok::RBracket)?;
                self.expect(Tok::RBracket, "to close the list")?;
                ExprKind::List(items)
            }
            other => {
                return Err(RuleError::new(
                    pos,
                    format!("expected a value, found {}", other.describe()),
                ));
            }
        };
        Ok(Expr {
            pos,
            end: self.last_end(),
            kind,
        })
    }
}
