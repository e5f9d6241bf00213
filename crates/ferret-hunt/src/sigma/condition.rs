//! The `condition:` expression: `and`, `or`, `not`, parentheses, selection
//! names, `1 of sel*`, `all of them`, `N of filter_*`.

use super::pattern::{Refusal, Wildcard};

/// Parentheses and `not` nested deeper than this are refused.
const MAX_DEPTH: usize = 64;

/// A parsed condition over selections (indices into the rule's selections).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    Sel(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// At least `n` of the selections match (`1 of x*`, `any of`).
    AtLeast(usize, Vec<usize>),
    /// Every selection matches (`all of x*`).
    All(Vec<usize>),
}

impl Cond {
    /// Evaluates with `sel(i)` giving selection `i`'s result (short-circuits).
    pub(crate) fn eval(&self, sel: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Cond::Sel(i) => sel(*i),
            Cond::Not(c) => !c.eval(sel),
            Cond::And(cs) => cs.iter().all(|c| c.eval(sel)),
            Cond::Or(cs) => cs.iter().any(|c| c.eval(sel)),
            Cond::AtLeast(n, ids) => {
                let mut hits = 0;
                for i in ids {
                    if sel(*i) {
                        hits += 1;
                        if hits >= *n {
                            return true;
                        }
                    }
                }
                false
            }
            Cond::All(ids) => ids.iter().all(|i| sel(*i)),
        }
    }

    /// Selections that appear outside any `not` (whose matching fields are
    /// worth reporting), appended to `out`.
    pub(crate) fn positive_selections(&self, out: &mut Vec<usize>) {
        match self {
            Cond::Sel(i) => out.push(*i),
            Cond::Not(_) => {}
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| c.positive_selections(out)),
            Cond::AtLeast(_, ids) | Cond::All(ids) => out.extend(ids),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    Word(&'a str),
}

fn tokenize(s: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if let Some(st) = start.take() {
                out.push(Token::Word(&s[st..i]));
            }
            match c {
                '(' => out.push(Token::Open),
                ')' => out.push(Token::Close),
                _ => {}
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push(Token::Word(&s[st..]));
    }
    out
}

/// Parses `text` against the rule's selection names.
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, Refusal> {
    if text.contains('|') {
        return Err(Refusal::new(
            "deprecated aggregation (`| count() ...` in condition): not supported, use a correlation rule",
        ));
    }
    let toks = tokenize(text);
    if toks.is_empty() {
        return Err(Refusal::new("empty condition"));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        names,
    };
    let c = p.or_expr(0)?;
    if p.pos != p.toks.len() {
        return Err(Refusal::new(format!(
            "condition: unexpected {} at token {}",
            p.describe(),
            p.pos + 1
        )));
    }
    Ok(c)
}

struct Parser<'a> {
    toks: Vec<Token<'a>>,
    pos: usize,
    names: &'a [String],
}

impl<'a> Parser<'a> {
    fn peek_word(&self) -> Option<&'a str> {
        match self.toks.get(self.pos) {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match self.toks.get(self.pos) {
            None => "end".into(),
            Some(Token::Open) => "'('".into(),
            Some(Token::Close) => "')'".into(),
            Some(Token::Word(w)) => format!("{:?}", w.chars().take(64).collect::<String>()),
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    fn or_expr(&mut self, depth: usize) -> Result<Cond, Refusal> {
        let mut items = vec![self.and_expr(depth)?];
        while self.is_kw("or") {
            self.pos += 1;
            items.push(self.and_expr(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::Or(items)
        })
    }

    fn and_expr(&mut self, depth: usize) -> Result<Cond, Refusal> {
        let mut items = vec![self.not_expr(depth)?];
        while self.is_kw("and") {
            self.pos += 1;
            items.push(self.not_expr(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::And(items)
        })
    }

    fn not_expr(&mut self, depth: usize) -> Result<Cond, Refusal> {
        if depth > MAX_DEPTH {
            return Err(Refusal::new("condition nested too deeply"));
        }
        if self.is_kw("not") {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not_expr(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Cond, Refusal> {
        match self.toks.get(self.pos).cloned() {
            Some(Token::Open) => {
                self.pos += 1;
                let c = self.or_expr(depth + 1)?;
                if self.toks.get(self.pos) != Some(&Token::Close) {
                    return Err(Refusal::new(format!(
                        "condition: expected ')' but found {}",
                        self.describe()
                    )));
                }
                self.pos += 1;
                Ok(c)
            }
            Some(Token::Word(w)) => {
                let lw = w.to_ascii_lowercase();
                if matches!(lw.as_str(), "and" | "or" | "of" | "them") {
                    return Err(Refusal::new(format!("condition: unexpected {w:?}")));
                }
                if lw == "near" {
                    return Err(Refusal::new("unsupported `near` condition"));
                }
                let quant = match lw.as_str() {
                    "all" => Some(None),
                    "any" => Some(Some(1)),
                    _ => lw.parse::<usize>().ok().map(Some),
                };
                let next_is_of = matches!(self.toks.get(self.pos + 1), Some(Token::Word(o)) if o.eq_ignore_ascii_case("of"));
                if let (Some(q), true) = (quant, next_is_of) {
                    self.pos += 2;
                    let target = self.peek_word().ok_or_else(|| {
                        Refusal::new("condition: `of` without a selection pattern or `them`")
                    })?;
                    self.pos += 1;
                    let ids = self.resolve_pattern(target)?;
                    return Ok(match q {
                        None => Cond::All(ids),
                        Some(0) => return Err(Refusal::new("condition: `0 of` is meaningless")),
                        Some(n) => Cond::AtLeast(n, ids),
                    });
                }
                self.pos += 1;
                match self.names.iter().position(|n| n == w) {
                    Some(i) => Ok(Cond::Sel(i)),
                    None => Err(Refusal::new(format!(
                        "condition references unknown selection {:?}",
                        w.chars().take(64).collect::<String>()
                    ))),
                }
            }
            _ => Err(Refusal::new(format!(
                "condition: unexpected {}",
                self.describe()
            ))),
        }
    }

    fn resolve_pattern(&self, target: &str) -> Result<Vec<usize>, Refusal> {
        let ids: Vec<usize> = if target.eq_ignore_ascii_case("them") {
            (0..self.names.len())
                .filter(|i| !self.names[*i].starts_with('_'))
                .collect()
        } else {
            let w = Wildcard::new(target, true);
            (0..self.names.len())
                .filter(|i| w.is_match(&self.names[*i]))
                .collect()
        };
        if ids.is_empty() {
            return Err(Refusal::new(format!(
                "condition pattern {:?} matches no selection",
                target.chars().take(64).collect::<String>()
            )));
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        [
            "selection",
            "sel_a",
            "sel_b",
            "filter_1",
            "filter_2",
            "_hidden",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn eval(cond: &str, truth: &[bool]) -> bool {
        let c = parse(cond, &names()).unwrap();
        c.eval(&mut |i| truth[i])
    }

    #[test]
    fn boolean_operators_and_precedence() {
        let t = [true, false, true, false, false, true];
        assert!(eval("selection and not filter_1", &t));
        assert!(!eval("selection and filter_1", &t));
        assert!(eval("sel_a or sel_b", &t));
        assert!(!eval("sel_a or sel_b and filter_1", &t));
        assert!(eval("(sel_a or sel_b) and not (filter_1 or filter_2)", &t));
        assert!(!eval("not selection", &t));
        assert!(eval("not not selection", &t));
        assert!(eval("selection AND NOT filter_1", &t));
        assert_eq!(
            parse("a or b and c", &["a".into(), "b".into(), "c".into()]).unwrap(),
            Cond::Or(vec![
                Cond::Sel(0),
                Cond::And(vec![Cond::Sel(1), Cond::Sel(2)])
            ])
        );
    }

    #[test]
    fn quantifiers() {
        let t = [true, false, true, false, false, true];
        assert!(eval("1 of sel_*", &t));
        assert!(!eval("all of sel_*", &t));
        assert!(!eval("1 of filter_*", &t));
        assert!(eval("selection and not 1 of filter_*", &t));
        assert!(eval("any of sel_*", &t));
        assert!(!eval("2 of sel_*", &t));
        assert!(eval("2 of them", &t));
        assert!(!eval("all of them", &t));
        let all_but_hidden = [true, true, true, true, true, false];
        assert!(eval("all of them", &all_but_hidden));
        assert!(eval(
            "all of sel*",
            &[true, true, true, false, false, false]
        ));
        assert!(!eval(
            "all of filter_*",
            &[true, true, true, true, false, false]
        ));
        assert!(eval(
            "all of filter_*",
            &[false, false, false, true, true, false]
        ));
    }

    #[test]
    fn refusals() {
        let n = names();
        assert!(parse("selection and nope", &n)
            .unwrap_err()
            .0
            .contains("unknown selection \"nope\""));
        assert!(parse("1 of x*", &n)
            .unwrap_err()
            .0
            .contains("matches no selection"));
        assert!(parse("selection | count() by Image > 5", &n)
            .unwrap_err()
            .0
            .starts_with("deprecated aggregation"));
        assert!(parse("selection near filter_1", &n).is_err());
        assert!(parse("(selection", &n).is_err());
        assert!(parse("selection)", &n).is_err());
        assert!(parse("", &n).is_err());
        assert!(parse("and", &n).is_err());
        assert!(parse("1 of", &n).is_err());
        let deep = format!("{}selection{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep, &n).unwrap_err().0.contains("too deeply"));
        let nots = format!("{}selection", "not ".repeat(500));
        assert!(parse(&nots, &n).is_err());
    }

    #[test]
    fn positive_selections_skip_negations() {
        let c = parse("selection and not filter_1 and 1 of sel_*", &names()).unwrap();
        let mut out = Vec::new();
        c.positive_selections(&mut out);
        assert_eq!(out, vec![0, 1, 2]);
    }
}
