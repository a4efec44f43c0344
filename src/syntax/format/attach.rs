//! Attaching comments to the pieces of the layout they sit next to in the source.
//!
//! A comment inside a piece goes to the innermost piece that holds it. Between the children of a
//! block, a comment on its own line belongs before the next child and a comment after code belongs
//! at the end of the previous child's line. Then each line is left with at most one trailing
//! comment: extra ones move onto their own lines, where formatting again leaves them.

use super::scan::{Comment, Scan};
use super::tree::{Node, Shape};

/// Attaches every comment of the scan to a piece of the layout tree.
pub(super) fn attach(root: &mut Node, scan: &Scan<'_>, end: usize) {
    let all: Vec<usize> = (0..scan.comments.len()).collect();
    assign(root, end, &all, scan);
    resolve(root, Vec::new(), &scan.comments);
}

/// Distributes the comments that lie in `node` (from its start to `end`) among it and its children.
fn assign(node: &mut Node, end: usize, comments: &[usize], scan: &Scan<'_>) {
    let own_line = |c: usize| scan.comments.get(c).is_some_and(|comment| comment.own_line);
    let offset = |c: usize| scan.comments.get(c).map_or(0, |comment| comment.offset);
    if node.children().is_empty() {
        for &c in comments {
            if !own_line(c) {
                node.head.push(c);
            } else if node.has_close() {
                node.dangling.push(c);
            } else {
                node.leading.push(c);
            }
        }
        return;
    }
    let limit = if node.has_close() {
        scan.last_token_start_before(end).unwrap_or(end)
    } else {
        end
    };
    // Children in source order, with the range each one covers.
    let mut order: Vec<usize> = (0..node.children().len()).collect();
    order.sort_by_key(|&i| node.children()[i].start);
    let ranges: Vec<(usize, usize)> = order
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let start = node.children()[i].start;
            let next = order
                .get(k + 1)
                .map_or(limit, |&j| node.children()[j].start);
            let end = scan.end_of_code_before(next).unwrap_or(start).max(start);
            (start, end)
        })
        .collect();
    let mut inside: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
    for &c in comments {
        let at = offset(c);
        if let Some(k) = ranges.iter().position(|&(s, e)| s <= at && at < e) {
            inside[k].push(c);
        } else if own_line(c) {
            match ranges.iter().position(|&(s, _)| s > at) {
                Some(k) => children_of(&mut node.shape)[order[k]].leading.push(c),
                None => node.dangling.push(c),
            }
        } else {
            match ranges.iter().rposition(|&(_, e)| e <= at) {
                Some(k) => children_of(&mut node.shape)[order[k]].trailing.push(c),
                None => node.head.push(c),
            }
        }
    }
    for (k, comments) in inside.iter().enumerate() {
        let i = order[k];
        let end = ranges[k].1;
        assign(&mut children_of(&mut node.shape)[i], end, comments, scan);
    }
}

/// Leaves every line with at most one trailing comment, top-down; `extra` are trailing comments
/// handed down by a parent whose last line is this piece's last line.
fn resolve(node: &mut Node, extra: Vec<usize>, comments: &[Comment]) {
    node.trailing.extend(extra);
    let closed = node.has_close();
    let is_chain = matches!(node.shape, Shape::Chain(..));
    let is_root = matches!(node.shape, Shape::Block { head: None, .. });
    let children = children_of(&mut node.shape);
    if children.is_empty() {
        if closed || is_root {
            // An empty block: its head line keeps one comment, the rest go inside it.
            if node.head.len() > 1 || is_root {
                node.dangling.append(&mut node.head);
            }
            if node.trailing.len() > 1 || is_root {
                node.dangling.append(&mut node.trailing);
            }
        } else {
            // A piece without children has one last line: it keeps a single comment at its end.
            let mut at_end = std::mem::take(&mut node.head);
            at_end.append(&mut node.trailing);
            if at_end.len() > 1 {
                node.leading.append(&mut at_end);
            } else {
                node.trailing = at_end;
            }
            node.leading.append(&mut node.dangling);
        }
    } else {
        if is_chain {
            // The first conjunct shares the `when` line.
            children[0].trailing.append(&mut node.head);
        } else if node.head.len() > 1 || is_root {
            children[0].leading.append(&mut node.head);
        }
        let mut handed_down = Vec::new();
        if closed {
            if node.trailing.len() > 1 {
                node.dangling.append(&mut node.trailing);
            }
        } else if !is_root {
            // A block without a closing line ends with its last child's last line.
            handed_down.append(&mut node.trailing);
            handed_down.append(&mut node.dangling);
        }
        let last = children.len() - 1;
        for (i, child) in children.iter_mut().enumerate() {
            let extra = if i == last {
                std::mem::take(&mut handed_down)
            } else {
                Vec::new()
            };
            resolve(child, extra, comments);
        }
    }
    for list in [
        &mut node.leading,
        &mut node.head,
        &mut node.trailing,
        &mut node.dangling,
    ] {
        list.sort_by_key(|&c| comments.get(c).map_or(0, |comment| comment.offset));
    }
}

fn children_of(shape: &mut Shape) -> &mut [Node] {
    match shape {
        Shape::Text(_) => &mut [],
        Shape::Block { children, .. } => children,
        Shape::List { items, .. } => items,
        Shape::Chain(_, children) => children,
    }
}
