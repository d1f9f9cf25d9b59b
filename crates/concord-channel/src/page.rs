//! Laying a menu's options out on pages of at most N characters: the title, the numbered
//! options (numbers run on across pages, so a number always means the same option), and the
//! navigation each page needs. An option too long for a page alone is cut with `...`.

/// The input that shows the next page.
pub const MORE: &str = "0";
/// The input that shows the previous page.
pub const PREVIOUS: &str = "00";

/// One page of a menu: its text and the options on it (`first..first + count`, 0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub text: String,
    pub first: usize,
    pub count: usize,
}

/// Pages of `labels` under `title`, each at most `max_chars` characters (lines joined by
/// `\n`). Always at least one page; a page holds at least one option when there are any.
pub fn paginate(title: &str, labels: &[String], max_chars: usize) -> Vec<Page> {
    let mut pages = Vec::new();
    let mut first = 0;
    loop {
        let back = (!pages.is_empty()).then(|| format!("{PREVIOUS}. Back"));
        let more = format!("{MORE}. More");
        let fixed = chars(title) + back.as_ref().map_or(0, |b| 1 + chars(b));
        // Options that fit with and without a "More" line.
        let fits = |reserve: usize| {
            let mut used = fixed + reserve;
            let mut n = 0;
            for (k, label) in labels[first..].iter().enumerate() {
                let line = 1 + chars(&line(first + k + 1, label));
                if used + line > max_chars {
                    break;
                }
                used += line;
                n += 1;
            }
            n
        };
        let rest = labels.len() - first;
        let count = if fits(0) == rest {
            rest
        } else {
            fits(1 + chars(&more)).max(1)
        };
        let last = first + count >= labels.len();
        let mut lines = vec![title.to_owned()];
        for (k, label) in labels.iter().enumerate().skip(first).take(count) {
            let full = line(k + 1, label);
            let room =
                max_chars.saturating_sub(fixed + if last { 0 } else { 1 + chars(&more) } + 1);
            lines.push(if count == 1 && chars(&full) > room {
                cut(&full, room)
            } else {
                full
            });
        }
        if !last {
            lines.push(more);
        }
        lines.extend(back);
        pages.push(Page {
            text: lines.join("\n"),
            first,
            count,
        });
        first += count;
        if last {
            return pages;
        }
    }
}

fn line(number: usize, label: &str) -> String {
    format!("{number}. {label}")
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `room` characters, ending in `...`.
pub(crate) fn cut(text: &str, room: usize) -> String {
    let keep = room.saturating_sub(3);
    let mut out: String = text.chars().take(keep).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize, len: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("{i}{}", "x".repeat(len - 1)))
            .collect()
    }

    /// (options, label length, page size) -> options per page; every page within the size,
    /// numbers running on, navigation where needed.
    #[test]
    fn options_fill_pages_in_order() {
        let cases: &[(usize, usize, usize, &[usize])] = &[
            (0, 10, 182, &[0]),
            (3, 20, 182, &[3]),
            (5, 40, 182, &[3, 2]),
            (5, 60, 100, &[1, 1, 1, 1, 1]),
            (2, 300, 182, &[1, 1]),
        ];
        for &(n, len, size, expected) in cases {
            let pages = paginate("Just For You", &labels(n, len), size);
            let counts: Vec<usize> = pages.iter().map(|p| p.count).collect();
            assert_eq!(counts, expected, "{n} x {len} in {size}");
            for (i, page) in pages.iter().enumerate() {
                assert!(page.text.chars().count() <= size, "{}", page.text);
                assert!(page.text.starts_with("Just For You\n") || n == 0);
                assert_eq!(
                    page.text.contains("\n0. More"),
                    i + 1 < pages.len(),
                    "{}",
                    page.text
                );
                assert_eq!(page.text.contains("\n00. Back"), i > 0, "{}", page.text);
                if page.count > 0 {
                    assert!(page.text.contains(&format!("\n{}. ", page.first + 1)));
                }
            }
        }
        // A label too long for a page alone is cut, never overflowing.
        let long = paginate("T", &labels(1, 500), 182);
        assert_eq!(long[0].text.chars().count(), 182);
        assert!(long[0].text.ends_with("..."));
    }
}
