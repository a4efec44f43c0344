//! Rendering the layout tree and its comments as text.

use super::measure::WIDTH;
use super::scan::Comment;
use super::tree::{Group, Node, Shape};

/// One line of output.
enum Out {
    Blank,
    Line {
        indent: usize,
        text: String,
        comment: Option<String>,
    },
}

/// Renders a file's layout tree; every comment is printed exactly once.
pub(super) fn render(root: &Node, comments: &[Comment]) -> String {
    let mut renderer = Renderer {
        comments,
        printed: vec![false; comments.len()],
        lines: Vec::new(),
    };
    renderer.root(root);
    // Nothing should be left over; if something is, keeping it beats losing it.
    let left_over: Vec<usize> = (0..comments.len())
        .filter(|&c| !renderer.printed[c])
        .collect();
    if !left_over.is_empty() {
        renderer.lines.push(Out::Blank);
        renderer.leading(0, &left_over);
    }
    finish(&renderer.lines)
}

fn finish(lines: &[Out]) -> String {
    let columns = comment_columns(lines);
    let mut text = String::new();
    let mut blank_pending = false;
    for (line, column) in lines.iter().zip(columns) {
        match line {
            Out::Blank => blank_pending = !text.is_empty(),
            Out::Line {
                indent,
                text: code,
                comment,
            } => {
                if blank_pending {
                    text.push('\n');
                    blank_pending = false;
                }
                text.push_str(&" ".repeat(*indent));
                text.push_str(code);
                if let Some(comment) = comment {
                    let used = indent + width(code);
                    text.push_str(&" ".repeat(column.saturating_sub(used).max(2)));
                    text.push_str(comment);
                }
                text.push('\n');
            }
        }
    }
    text
}

/// The column at which each line's trailing comment starts: consecutive lines at one indentation
/// that all end with a comment have their comments lined up, two spaces after the longest code.
fn comment_columns(lines: &[Out]) -> Vec<usize> {
    let code_end = |line: &Out| match line {
        Out::Line {
            indent,
            text,
            comment: Some(_),
        } => Some((*indent, indent + width(text))),
        Out::Line { .. } | Out::Blank => None,
    };
    let mut columns = vec![0; lines.len()];
    let mut start = 0;
    while start < lines.len() {
        let Some((indent, _)) = code_end(&lines[start]) else {
            start += 1;
            continue;
        };
        let mut end = start;
        let mut column = 0;
        while let Some((line_indent, line_end)) = lines.get(end).and_then(code_end) {
            if line_indent != indent {
                break;
            }
            column = column.max(line_end + 2);
            end += 1;
        }
        for slot in &mut columns[start..end] {
            *slot = column;
        }
        start = end;
    }
    columns
}

fn width(text: &str) -> usize {
    text.chars().count()
}

struct Renderer<'a> {
    comments: &'a [Comment],
    printed: Vec<bool>,
    lines: Vec<Out>,
}

impl Renderer<'_> {
    /// The text of a comment, marked as printed.
    fn take(&mut self, c: usize) -> Option<String> {
        let comment = self.comments.get(c)?;
        let seen = self.printed.get_mut(c)?;
        if *seen {
            return None;
        }
        *seen = true;
        Some(comment.text.clone())
    }

    /// A line of code ending with the comment in `trailing`, if any.
    fn line(&mut self, indent: usize, text: String, trailing: &[usize]) {
        let comment = trailing.first().and_then(|&c| self.take(c));
        self.lines.push(Out::Line {
            indent,
            text,
            comment,
        });
        // Resolution leaves at most one comment at the end of a line; any other goes below it.
        if trailing.len() > 1 {
            self.leading(indent, &trailing[1..]);
        }
    }

    /// Comments on their own lines.
    fn leading(&mut self, indent: usize, comments: &[usize]) {
        for &c in comments {
            if let Some(text) = self.take(c) {
                self.lines.push(Out::Line {
                    indent,
                    text,
                    comment: None,
                });
            }
        }
    }

    fn root(&mut self, root: &Node) {
        let mut previous: Option<(Group, bool)> = None;
        for child in root.children() {
            let outer = std::mem::take(&mut self.lines);
            self.node(child, 0);
            let rendered = std::mem::replace(&mut self.lines, outer);
            let one_line = rendered.len() == 1;
            if let Some(previous) = previous
                && !(child.leading.is_empty() && adjacent(previous, (child.group, one_line)))
            {
                self.lines.push(Out::Blank);
            }
            self.top_level_comments(&child.leading, true);
            self.lines.extend(rendered);
            previous = Some((child.group, one_line));
        }
        if !root.dangling.is_empty() {
            self.lines.push(Out::Blank);
            self.top_level_comments(&root.dangling, false);
        }
    }

    /// Comments between declarations, keeping one blank line where the source had one after a
    /// comment (before the next comment, or before the declaration when `before_code`).
    fn top_level_comments(&mut self, comments: &[usize], before_code: bool) {
        for (i, &c) in comments.iter().enumerate() {
            self.leading(0, &[c]);
            let blank = self
                .comments
                .get(c)
                .is_some_and(|comment| comment.blank_after);
            if blank && (before_code || i + 1 < comments.len()) {
                self.lines.push(Out::Blank);
            }
        }
    }

    /// Renders a piece at an indentation, without its leading comments (its parent prints those).
    fn node(&mut self, node: &Node, indent: usize) {
        match &node.shape {
            Shape::Text(lines) => {
                let last = lines.len().saturating_sub(1);
                for (i, text) in lines.iter().enumerate() {
                    let trailing: &[usize] = if i == last { &node.trailing } else { &[] };
                    self.line(indent, text.clone(), trailing);
                }
            }
            Shape::Block {
                head,
                children,
                close,
                empty,
            } => {
                if let Some(empty) = empty
                    && children.is_empty()
                    && node.head.is_empty()
                    && node.dangling.is_empty()
                {
                    self.line(indent, empty.clone(), &node.trailing);
                    return;
                }
                if let Some(head) = head {
                    if children.is_empty() && close.is_none() {
                        let mut at_end = node.head.clone();
                        at_end.extend(&node.trailing);
                        self.line(indent, head.clone(), &at_end);
                    } else {
                        self.line(indent, head.clone(), &node.head);
                    }
                }
                for child in children {
                    self.leading(indent + 2, &child.leading);
                    self.node(child, indent + 2);
                }
                self.leading(indent + 2, &node.dangling);
                if let Some(close) = close {
                    self.line(indent, close.clone(), &node.trailing);
                }
            }
            Shape::List {
                head,
                open,
                close,
                items,
                fill,
            } => self.list(node, indent, (head, open, close), items, *fill),
            Shape::Chain(word, conjuncts) => {
                for (i, conjunct) in conjuncts.iter().enumerate() {
                    // Comments between conjuncts line up with `and`.
                    let comment_indent = if i == 0 { indent } else { indent + 1 };
                    self.leading(comment_indent, &conjunct.leading);
                    // `when` and `that` are both four letters, so `and` lines up under them.
                    let prefix = if i == 0 {
                        format!("{word} ")
                    } else {
                        " and ".to_string()
                    };
                    let lines = text_lines(conjunct);
                    let last = lines.len().saturating_sub(1);
                    for (j, text) in lines.iter().enumerate() {
                        let text = if j == 0 {
                            format!("{prefix}{text}")
                        } else {
                            text.clone()
                        };
                        let trailing: &[usize] = if j == last { &conjunct.trailing } else { &[] };
                        self.line(indent, text, trailing);
                    }
                }
            }
        }
    }

    /// A braced list: on one line when it fits and holds no comments, else one item (or, when
    /// `fill`, as many as fit) to a line.
    fn list(
        &mut self,
        node: &Node,
        indent: usize,
        (head, open, close): (&str, &str, &str),
        items: &[Node],
        fill: bool,
    ) {
        let texts: Vec<String> = items
            .iter()
            .map(|item| text_lines(item).join(" "))
            .collect();
        let quiet = node.head.is_empty()
            && node.dangling.is_empty()
            && items
                .iter()
                .all(|item| item.leading.is_empty() && item.trailing.is_empty());
        let one_line = if texts.is_empty() {
            format!("{}{}", open.trim_end(), close.trim_start())
        } else {
            format!("{open}{}{close}", texts.join(", "))
        };
        if quiet && indent + width(&one_line) <= WIDTH {
            self.line(indent, one_line, &node.trailing);
            return;
        }
        self.line(indent, head.to_string(), &node.head);
        let inner = indent + 2;
        let mut current = String::new();
        for (item, text) in items.iter().zip(texts) {
            let piece = format!("{text},");
            let too_wide = inner + width(&current) + 1 + width(&piece) > WIDTH;
            // An item with a comment after it has a line of its own, which the comment is about.
            let alone = !item.leading.is_empty() || !item.trailing.is_empty();
            if !current.is_empty() && (!fill || alone || too_wide) {
                self.line(inner, std::mem::take(&mut current), &[]);
            }
            self.leading(inner, &item.leading);
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&piece);
            if !fill || !item.trailing.is_empty() {
                self.line(inner, std::mem::take(&mut current), &item.trailing);
            }
        }
        if !current.is_empty() {
            self.line(inner, current, &[]);
        }
        self.leading(inner, &node.dangling);
        self.line(indent, "}".to_string(), &node.trailing);
    }
}

/// The lines of a leaf piece.
fn text_lines(node: &Node) -> Vec<String> {
    match &node.shape {
        Shape::Text(lines) => lines.clone(),
        Shape::Block { .. } | Shape::List { .. } | Shape::Chain(..) => Vec::new(),
    }
}

/// Whether two consecutive top-level declarations may stand on consecutive lines: one-line
/// declarations of the same simple kind, and `otherwise` right after `verdicts`.
fn adjacent(
    (before, before_one_line): (Group, bool),
    (after, after_one_line): (Group, bool),
) -> bool {
    if !before_one_line || !after_one_line {
        return false;
    }
    matches!(
        (before, after),
        (Group::Verdicts, Group::Otherwise)
            | (Group::Use, Group::Use)
            | (Group::Enum, Group::Enum)
            | (Group::Set, Group::Set)
            | (Group::Const, Group::Const)
            | (Group::Param, Group::Param)
            | (Group::Obligation, Group::Obligation)
            | (Group::Repeal, Group::Repeal)
            | (Group::ChangeSet, Group::ChangeSet)
            | (Group::ChangeValue, Group::ChangeValue)
    )
}
