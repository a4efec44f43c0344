//! Batch decisions (`licit eval --batch`): decide a JSONL stream on several threads, writing one
//! JSON object per line in input order, in chunks so that memory stays constant whatever the
//! stream's length.
//!
//! The calling thread reads the lines and writes the outputs; with more than one job, worker
//! threads that live for the whole run decide whole chunks meanwhile. A bounded number of chunks
//! is in flight, each with a sequence number by which the outputs are written in input order,
//! and their buffers serve one chunk after another.

use std::io::{BufRead, ErrorKind, Write};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError, mpsc};

use super::receipt::ReceiptStamp;
use crate::eval::{
    Decision, Program, Trace, case_date, check_assumptions, decode_case_bytes_fast,
    decode_case_careful, recycle_case,
};
use crate::report::decision_line::{DecisionTexts, write_decision_line, write_explained_line};
use crate::report::diagnostic::{Diagnostic, Sourced};
use crate::syntax::calendar::Date;

/// How many lines one thread reads, decides and writes at a time.
const CHUNK: usize = 2048;
/// How many lines a worker decides at a time when several do: about a millisecond and a half
/// of deciding, so that an input of a few thousand lines is shared among the workers, and the
/// last chunk ends the run soon after the others.
const SHARED_CHUNK: usize = 512;
/// How many lines are decided at a time with `--explain`, whose lines are far longer: memory
/// stays small.
const EXPLAINED_CHUNK: usize = 64;

/// How a batch run is made.
pub struct BatchOptions {
    /// Decide every case as of this date instead of its own.
    pub as_of: Option<Date>,
    /// Write the whole explanation on each line.
    pub explain: bool,
    /// How many threads decide: at least one, and at most the number of cores
    /// ([`max_jobs`]); more would only add threads that wait.
    pub jobs: usize,
}

/// How far a batch run has come, told after each chunk.
#[derive(Debug, Clone, Copy)]
pub struct BatchProgress {
    /// The bytes of input read.
    pub bytes: u64,
    /// The lines decided (or found bad).
    pub lines: usize,
    /// Whether the input is finished.
    pub finished: bool,
}

/// What a batch run saw.
#[derive(Debug, Clone, Copy)]
pub struct BatchSummary {
    /// Lines with a case (blank lines are skipped).
    pub lines: usize,
    /// Lines that could not be decided.
    pub bad_lines: usize,
}

/// Decides every line of `reader` and writes the results to `out`; `name` is the input's name
/// in diagnostics, and `progress` is told how far the run has come after each chunk.
pub fn decide_batch(
    program: &Program,
    name: &str,
    reader: &mut dyn BufRead,
    out: &mut dyn Write,
    options: &BatchOptions,
    progress: &mut dyn FnMut(BatchProgress),
) -> BatchSummary {
    // The constant part of every line's receipt and the texts of every line, made once.
    let made = (ReceiptStamp::of(program), DecisionTexts::of(program));
    decide_batch_with(
        (program, &made.0, &made.1),
        name,
        reader,
        out,
        options,
        progress,
    )
}

/// [`decide_batch`] with the receipts' constant part and the lines' escaped texts already made
/// for the program (a `Rulebook` keeps them), so that a batch does not make them again.
pub(crate) fn decide_batch_with(
    (program, stamp, texts): (&Program, &ReceiptStamp, &DecisionTexts),
    name: &str,
    reader: &mut dyn BufRead,
    out: &mut dyn Write,
    options: &BatchOptions,
    progress: &mut dyn FnMut(BatchProgress),
) -> BatchSummary {
    let BatchOptions {
        as_of,
        explain,
        jobs,
    } = *options;
    let jobs = jobs.clamp(1, max_jobs());
    let size = match (explain, jobs) {
        (true, _) => EXPLAINED_CHUNK,
        (false, 1) => CHUNK,
        (false, _) => SHARED_CHUNK,
    };
    let decide = |chunk: &Chunk, out: &mut String| {
        decide_chunk((program, stamp, texts), name, chunk, as_of, explain, out)
    };
    run(reader, out, (size, jobs), &decide, progress)
}

/// The most threads a batch uses: the number of cores this process may run on.
pub fn max_jobs() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

/// The lines of a chunk: their bytes one after another in one text, and each line's number and
/// its range of the text (without the line end), or what is wrong with it. Whether a line is
/// UTF-8 is asked by the thread that decides it.
#[derive(Default)]
struct Chunk {
    text: Vec<u8>,
    lines: Vec<(usize, Result<Range<usize>, LineProblem>)>,
}

/// Decides a chunk's lines into `out`, each output ended by a line end; returns the number of
/// lines not decided. An explanation's trace serves one line after another.
fn decide_chunk(
    (program, stamp, texts): (&Program, &ReceiptStamp, &DecisionTexts),
    name: &str,
    chunk: &Chunk,
    as_of: Option<Date>,
    explain: bool,
    out: &mut String,
) -> usize {
    let mut trace = Trace::default();
    // One decision whose vectors serve every line of the chunk.
    let mut decision = program.undecided();
    let mut bad = 0;
    for (number, line) in &chunk.lines {
        // A line is not asked whether it is UTF-8 before it is read: the one-pass reader reads
        // only lines that are, and any other goes the careful way, which asks.
        let line = match line {
            Ok(range) => Ok(chunk.text.get(range.clone()).unwrap_or_default()),
            Err(problem) => Err(*problem),
        };
        if !decide_line(
            (program, stamp, texts),
            name,
            *number,
            line,
            as_of,
            explain,
            (&mut trace, &mut decision),
            out,
        ) {
            bad += 1;
        }
        out.push('\n');
    }
    bad
}

/// What decides a chunk: it writes each line's output, ended by a line end, into the string,
/// and returns the number of lines not decided.
type DecideChunk<'a> = dyn Fn(&Chunk, &mut String) -> usize + Sync + 'a;

/// A chunk in flight: its lines, their output once decided, and how far the input had come
/// when it was read.
#[derive(Default)]
struct Piece {
    /// The chunk's place in the input: outputs are written in this order.
    sequence: usize,
    chunk: Chunk,
    output: String,
    /// The lines not decided.
    bad: usize,
    /// The bytes of input read up to the chunk's end.
    bytes: u64,
    /// Whether the input is finished with this chunk.
    finished: bool,
}

/// The output of a run, in input order, and the summary and progress it adds up to.
struct Written<'a> {
    out: &'a mut dyn Write,
    progress: &'a mut dyn FnMut(BatchProgress),
    summary: BatchSummary,
}

impl Written<'_> {
    /// Writes a decided chunk's output and tells the progress; false when the output is closed
    /// (a pipe whose reader has gone), which ends the run.
    fn write(&mut self, piece: &Piece) -> bool {
        self.summary.lines += piece.chunk.lines.len();
        self.summary.bad_lines += piece.bad;
        if self.out.write_all(piece.output.as_bytes()).is_err() {
            return false;
        }
        (self.progress)(BatchProgress {
            bytes: piece.bytes,
            lines: self.summary.lines,
            finished: piece.finished,
        });
        true
    }
}

/// Reads `reader` a chunk of `size` lines at a time, decides each chunk with `decide` on `jobs`
/// threads and writes the outputs to `out` in input order, telling `progress` after each chunk.
fn run(
    reader: &mut dyn BufRead,
    out: &mut dyn Write,
    (size, jobs): (usize, usize),
    decide: &DecideChunk,
    progress: &mut dyn FnMut(BatchProgress),
) -> BatchSummary {
    let mut lines = LineReader::default();
    let mut written = Written {
        out,
        progress,
        summary: BatchSummary {
            lines: 0,
            bad_lines: 0,
        },
    };
    let mut first = Piece::default();
    lines.read(reader, &mut first, size);
    // One job, or an input of one chunk: there is nothing to overlap, and this thread decides.
    let open = if jobs == 1 || first.finished {
        decide_here(reader, &mut lines, &mut written, size, decide, first)
    } else {
        decide_on_threads(
            reader,
            &mut lines,
            &mut written,
            (size, jobs),
            decide,
            first,
        )
    };
    if open {
        let _ = written.out.flush();
    }
    written.summary
}

/// Reads, decides and writes one chunk after another on this thread, starting with `piece`,
/// already read; returns whether the output is still open.
fn decide_here(
    reader: &mut dyn BufRead,
    lines: &mut LineReader,
    written: &mut Written,
    size: usize,
    decide: &DecideChunk,
    mut piece: Piece,
) -> bool {
    loop {
        decide_piece(decide, &mut piece);
        if !written.write(&piece) {
            return false;
        }
        if piece.finished {
            return true;
        }
        lines.read(reader, &mut piece, size);
    }
}

/// Decides on `jobs` worker threads, alive for the whole run, while this thread reads the next
/// chunks and writes the decided ones in input order, starting with `first`, already read;
/// returns whether the output is still open. At most `jobs + 2` chunks are in flight: one on
/// each worker, one read ahead for the first worker to finish, and one decided early waiting
/// for an earlier one or being written. When the output closes, the workers stop after the
/// chunk they are deciding.
fn decide_on_threads(
    reader: &mut dyn BufRead,
    lines: &mut LineReader,
    written: &mut Written,
    (size, jobs): (usize, usize),
    decide: &DecideChunk,
    first: Piece,
) -> bool {
    let most_in_flight = jobs + 2;
    let (to_decide, work) = mpsc::channel::<Piece>();
    // The workers take chunks from one queue, so that a worker that is slower (or shares its
    // core) takes fewer.
    let work = Mutex::new(work);
    let (decided_sender, decided) = mpsc::channel::<Piece>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let work = &work;
            let decided = decided_sender.clone();
            scope.spawn(move || {
                // The next chunk, waited for; none once this thread's end of the queue is closed.
                let next = || {
                    let queue = work.lock().unwrap_or_else(PoisonError::into_inner);
                    queue.recv().ok()
                };
                while let Some(mut piece) = next() {
                    decide_piece(decide, &mut piece);
                    if decided.send(piece).is_err() {
                        break;
                    }
                }
            });
        }
        // Only the workers send decided chunks: when they are all gone, receiving fails
        // instead of waiting. Both channels' ends held here close when this closure returns,
        // so the workers end before the scope waits for them.
        drop(decided_sender);
        let (to_decide, decided) = (to_decide, decided);
        let mut reading = true;
        let mut in_flight = 0;
        let mut next_sequence = 0;
        let mut next_written = 0;
        let mut spare = Vec::new();
        let mut waiting: Vec<Piece> = Vec::new();
        let mut piece = Some(first);
        loop {
            if let Some(mut read) = piece.take() {
                read.sequence = next_sequence;
                next_sequence += 1;
                reading = !read.finished;
                in_flight += 1;
                if to_decide.send(read).is_err() {
                    return true;
                }
                waiting.extend(decided.try_iter());
            }
            // The decided chunks that are next in order.
            while let Some(at) = waiting.iter().position(|p| p.sequence == next_written) {
                let done = waiting.swap_remove(at);
                if !written.write(&done) {
                    return false;
                }
                in_flight -= 1;
                next_written += 1;
                spare.push(done);
            }
            if reading && in_flight < most_in_flight {
                let mut read = spare.pop().unwrap_or_default();
                lines.read(reader, &mut read, size);
                piece = Some(read);
                continue;
            }
            if in_flight == 0 {
                return true;
            }
            match decided.recv() {
                Ok(done) => waiting.push(done),
                // Every worker is gone (they catch panics, so this does not happen): nothing
                // more will be decided.
                Err(_) => return true,
            }
        }
    })
}

/// Decides a piece's chunk into its output. A panic while deciding (a defect: deciding does
/// not panic) makes the chunk's output one error object instead of ending the run.
fn decide_piece(decide: &DecideChunk, piece: &mut Piece) {
    piece.output.clear();
    let chunk = &piece.chunk;
    let output = &mut piece.output;
    match catch_unwind(AssertUnwindSafe(|| decide(chunk, output))) {
        Ok(bad) => piece.bad = bad,
        Err(_) => {
            piece.output.clear();
            piece
                .output
                .push_str("{\"error\":{\"message\":\"a worker stopped\"}}\n");
            piece.bad = 1;
        }
    }
}

/// Writes one line's output to `out` (without its line end); whether it was decided. The
/// decision is made in `decision` and an explanation in `trace`, whose memory serves one line
/// after another.
#[allow(clippy::too_many_arguments)]
fn decide_line(
    (program, stamp, texts): (&Program, &ReceiptStamp, &DecisionTexts),
    name: &str,
    number: usize,
    line: Result<&[u8], LineProblem>,
    as_of: Option<Date>,
    explain: bool,
    (trace, decision): (&mut Trace, &mut Decision),
    out: &mut String,
) -> bool {
    // A line that is not a case: an object with its number and its diagnostics.
    let mut error_line = |errors: Vec<Diagnostic>| {
        let json = ErrorLine {
            line: number,
            errors,
        };
        out.push_str(&serde_json::to_string(&json).unwrap_or_default());
        false
    };
    let bytes = match line {
        Ok(bytes) => bytes,
        Err(problem) => return error_line(errors_json(name, number, "", &[problem])),
    };
    // The one-pass reader takes the bytes as they are (it reads only UTF-8); the careful one
    // takes a text, and a line that is not one is told so.
    let case = match decode_case_bytes_fast(program, bytes) {
        Some(case) => case,
        None => {
            let Ok(line) = std::str::from_utf8(bytes) else {
                return error_line(errors_json(name, number, "", &[LineProblem::NotUtf8]));
            };
            match decode_case_careful(program, line) {
                Ok(case) => case,
                Err(errors) => return error_line(errors_json(name, number, line, &errors)),
            }
        }
    };
    // A line read is UTF-8: its text is only wanted to point at a fact in a diagnostic.
    let line = || std::str::from_utf8(bytes).unwrap_or_default();
    let Some(date) = as_of.or_else(|| case_date(&program.policy, &case)) else {
        let no_date = crate::eval::case::NoDate {
            help: "give the case a `date`, or decide the batch as of one with `--as-of DATE`",
        };
        return error_line(errors_json(name, number, line(), &[no_date]));
    };
    if let Err(error) = check_assumptions(program, &case, date, Some(bytes)) {
        return error_line(errors_json(name, number, line(), &[error]));
    }
    if explain {
        program.decide_reusing(&case, date, Some(trace), decision);
        write_explained_line(out, program, texts, decision, trace, number);
        stamp.append_to_object(out, bytes, decision.date);
        recycle_case(case);
        return true;
    }
    program.decide_reusing(&case, date, None, decision);
    write_decision_line(out, program, texts, decision, number);
    stamp.append_to_object(out, bytes, decision.date);
    // Its records serve the next line's case.
    recycle_case(case);
    true
}

/// Case errors as diagnostics JSON, pointing into the text: a case file, or the line of a batch
/// that starts on line `first_line` of its file.
pub fn errors_json<D: miette::Diagnostic>(
    name: &str,
    first_line: usize,
    text: &str,
    errors: &[D],
) -> Vec<Diagnostic> {
    // One line index for the whole text, however many errors it has.
    let sourced: Vec<Sourced<'_>> = errors
        .iter()
        .map(|error| Sourced {
            name,
            text,
            diagnostic: error,
        })
        .collect();
    crate::report::diagnostic::all(&sourced)
        .into_iter()
        .map(|diagnostic| diagnostic.shifted(first_line))
        .collect()
}

/// A line of a batch that cannot be read as a case, besides what decoding finds.
#[derive(Debug, Clone, Copy, thiserror::Error, miette::Diagnostic)]
enum LineProblem {
    #[error("the line is not valid UTF-8")]
    #[diagnostic(code(licit::io::not_utf8), help("save the file as UTF-8"))]
    NotUtf8,
    #[error("the line is longer than 1 MiB")]
    #[diagnostic(
        code(licit::io::too_large),
        help("a batch holds one case per line, each at most 1 MiB")
    )]
    TooLong,
}

/// The longest line of a batch: 1 MiB. A longer line gets an error object and is skipped.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The most of an over-long line that is skipped looking for its end: 64 MiB. Past it the
/// input is not JSON lines, and the batch ends there.
const MAX_SKIPPED_BYTES: u64 = 64 << 20;

/// The most bytes of one line held: the longest line and its line end, which may be `\r\n`.
const HELD_BYTES: u64 = MAX_LINE_BYTES as u64 + 2;

/// The most bytes of a line read looking for its end: [`MAX_SKIPPED_BYTES`] and three. (A
/// line's first 1 MiB and three bytes, then 1 MiB at a time while at most 64 MiB were read, as
/// the batch has always read.)
const LOOKED_AT_BYTES: u64 = MAX_SKIPPED_BYTES + 3;

/// The lines of a batch, read from the reader's buffer a block at a time: line ends are found
/// by `memchr`, and each line is copied once, into its chunk.
#[derive(Default)]
struct LineReader {
    /// The number of the last line read (blank lines are counted).
    number: usize,
    /// The bytes read.
    bytes: u64,
    /// Whether the input is finished: it ended, reading it failed, or a line's end was not
    /// within [`LOOKED_AT_BYTES`].
    finished: bool,
}

impl LineReader {
    /// Reads lines into `piece`'s chunk (emptied first) until it holds `size` lines or the input
    /// is finished, and notes how far the input has come. A line with only white space is
    /// counted but not kept; a line longer than [`MAX_LINE_BYTES`] (without its line end) is
    /// kept as a problem, never held; an I/O error ends the input, without the line it cut.
    fn read(&mut self, reader: &mut dyn BufRead, piece: &mut Piece, size: usize) {
        let chunk = &mut piece.chunk;
        chunk.text.clear();
        chunk.lines.clear();
        // The bytes of the line being read, so far; while they are few enough to be held, they
        // are the chunk's text from `start`.
        let mut length: u64 = 0;
        let mut start = 0;
        while !self.finished && chunk.lines.len() < size {
            let block = match reader.fill_buf() {
                Ok(block) => block,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    chunk.text.truncate(start);
                    self.finished = true;
                    break;
                }
            };
            if block.is_empty() {
                // The end of the input ends its last line.
                if length > 0 {
                    self.end_line(chunk, start, length);
                }
                self.finished = true;
                break;
            }
            let mut used = 0;
            while used < block.len() && chunk.lines.len() < size && !self.finished {
                let rest = block.get(used..).unwrap_or_default();
                let unseen = usize::try_from(LOOKED_AT_BYTES - length).unwrap_or(usize::MAX);
                let window = rest.get(..unseen).unwrap_or(rest);
                let (piece_end, ended) = match memchr::memchr(b'\n', window) {
                    Some(at) => (at + 1, true),
                    None => (window.len(), false),
                };
                let piece_of_line = window.get(..piece_end).unwrap_or_default();
                length += piece_end as u64;
                if length <= HELD_BYTES {
                    chunk.text.extend_from_slice(piece_of_line);
                }
                used += piece_end;
                if ended || length == LOOKED_AT_BYTES {
                    // A line's end not within the most that is looked at: the input is not
                    // JSON lines (`/dev/zero`), and the rest of it is not read.
                    self.finished = !ended;
                    start = self.end_line(chunk, start, length);
                    length = 0;
                }
            }
            reader.consume(used);
        }
        piece.bytes = self.bytes;
        piece.finished = self.finished;
    }

    /// Ends a line of `length` bytes, its line end included, that began at `start` of the
    /// chunk's text: adds its number and range, an over-long line's problem, or nothing for a
    /// line of white space. Returns where the next line begins.
    fn end_line(&mut self, chunk: &mut Chunk, start: usize, length: u64) -> usize {
        self.number += 1;
        self.bytes += length;
        if length > HELD_BYTES {
            chunk.text.truncate(start);
            chunk.lines.push((self.number, Err(LineProblem::TooLong)));
            return start;
        }
        let line = chunk.text.get(start..).unwrap_or_default();
        let ends = line
            .iter()
            .rev()
            .take_while(|byte| matches!(byte, b'\n' | b'\r'))
            .count();
        let end = start + line.len() - ends;
        let blank = line
            .get(..line.len() - ends)
            .unwrap_or_default()
            .iter()
            .all(u8::is_ascii_whitespace);
        if blank {
            chunk.text.truncate(start);
            return start;
        }
        chunk.text.truncate(end);
        chunk.lines.push((self.number, Ok(start..end)));
        end
    }
}

/// The object a line that cannot be decided gets: its number first, as decided lines have.
#[derive(serde::Serialize)]
struct ErrorLine {
    line: usize,
    errors: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{
        BatchProgress, BatchSummary, Chunk, LOOKED_AT_BYTES, LineReader, MAX_LINE_BYTES, Piece, run,
    };

    /// What reading a batch gave: each line kept, by number, with its text (`None` for a line
    /// too long), and the bytes read.
    type Lines = (Vec<(usize, Option<Vec<u8>>)>, u64);

    /// The batch's reading as it was before it read blocks (commit f54f857): one line at a time
    /// through `read_until` on a bounded `take`. The line reader reads every input as it did.
    fn read_as_before(reader: &mut dyn BufRead) -> Lines {
        fn read_until(reader: &mut dyn BufRead, limit: u64, buffer: &mut Vec<u8>) -> Option<u64> {
            let start = buffer.len();
            let mut bounded = Read::take(&mut *reader, limit);
            bounded.read_until(b'\n', buffer).ok()?;
            Some((buffer.len() - start) as u64)
        }
        // The longest line held with its `\r\n`, and the most of a line skipped, as they were.
        let (held, skipped_at_most) = (MAX_LINE_BYTES as u64 + 2, 64 << 20);
        let (mut lines, mut bytes, mut number) = (Vec::new(), 0, 0);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            let Some(read) = read_until(reader, held + 1, &mut buffer) else {
                break;
            };
            if read == 0 {
                break;
            }
            number += 1;
            if read <= held {
                bytes += read;
                while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buffer.pop();
                }
                if !buffer.iter().all(u8::is_ascii_whitespace) {
                    lines.push((number, Some(buffer.clone())));
                }
                continue;
            }
            let mut skipped = read;
            let mut ended = buffer.last() == Some(&b'\n');
            while !ended && skipped <= skipped_at_most {
                buffer.clear();
                let Some(piece) = read_until(reader, 1 << 20, &mut buffer) else {
                    return (lines, bytes);
                };
                skipped += piece;
                ended = piece == 0 || buffer.last() == Some(&b'\n');
            }
            bytes += skipped;
            lines.push((number, None));
            if !ended {
                break;
            }
        }
        (lines, bytes)
    }

    /// Reads a batch with the line reader, `size` lines a chunk, checking that every chunk but
    /// the last is full and that the last says the input is finished.
    fn read_in_chunks(reader: &mut dyn BufRead, size: usize) -> Lines {
        let mut line_reader = LineReader::default();
        let mut piece = Piece::default();
        let mut lines = Vec::new();
        loop {
            line_reader.read(reader, &mut piece, size);
            let chunk = &piece.chunk;
            for (number, line) in &chunk.lines {
                let text = line
                    .as_ref()
                    .ok()
                    .map(|range| chunk.text.get(range.clone()).unwrap_or_default().to_vec());
                lines.push((*number, text));
            }
            assert_eq!(piece.bytes, line_reader.bytes);
            if piece.finished {
                assert!(chunk.lines.len() <= size);
                return (lines, piece.bytes);
            }
            assert_eq!(chunk.lines.len(), size, "a chunk before the last is full");
        }
    }

    /// Every input is read as before, whatever the reader's buffer (so lines, over-long lines
    /// and `\r\n` straddle its blocks) and the chunks' size.
    #[test]
    fn lines_are_read_as_before_across_blocks_and_chunks() {
        let long = |length: usize, end: &str| {
            let mut line = "x".repeat(length);
            line.push_str(end);
            line.into_bytes()
        };
        let mut varied = Vec::new();
        for length in 0..200 {
            varied.extend_from_slice(&long(
                length % 37,
                ["\n", "\r\n", "\r\r\n", " \n"][length % 4],
            ));
        }
        let small: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"\n".to_vec(),
            b"{}".to_vec(),
            b"{}\n".to_vec(),
            b"{}\r\n".to_vec(),
            b"{}\r".to_vec(),
            b"{}\r\r\n\r\n".to_vec(),
            b"\n\n{}\n \t\x0c\n\r\n{} \n".to_vec(),
            b"a\xff\xfeb\n{}\n\xc3".to_vec(),
            b"\r".to_vec(),
            b"\r\n\r".to_vec(),
            varied,
        ];
        let mut big: Vec<Vec<u8>> = Vec::new();
        for length in [
            MAX_LINE_BYTES - 1,
            MAX_LINE_BYTES,
            MAX_LINE_BYTES + 1,
            MAX_LINE_BYTES + 2,
            MAX_LINE_BYTES + 3,
        ] {
            for end in ["\n", "\r\n", "", "\n{}\n"] {
                let mut input = b"{}\n".to_vec();
                input.extend_from_slice(&long(length, end));
                big.push(input);
            }
        }
        big.push([long(3 * MAX_LINE_BYTES, "\n"), b"{}\n".to_vec()].concat());
        let inputs = small
            .iter()
            .flat_map(|input| [1, 2, 3, 7, 64, 8192].map(|capacity| (input, capacity)))
            .chain(
                big.iter()
                    .flat_map(|input| [4093, 1 << 16].map(|capacity| (input, capacity))),
            );
        for (input, capacity) in inputs {
            let before = read_as_before(&mut BufReader::with_capacity(capacity, input.as_slice()));
            for size in [1, 2, 1024] {
                let reader = &mut BufReader::with_capacity(capacity, input.as_slice());
                let now = read_in_chunks(reader, size);
                assert!(
                    now == before,
                    "{} bytes read with a buffer of {capacity}, {size} lines a chunk",
                    input.len()
                );
            }
        }
    }

    /// A line whose end is within the most that is looked at is skipped and the rest read; one
    /// whose end is past it ends the batch there, after as many bytes as before.
    #[test]
    fn the_end_of_an_overlong_line_is_looked_for_as_far_as_before() {
        // The line's length before its end, and the lines read.
        for (length, lines) in [
            (LOOKED_AT_BYTES - 1, 2),
            (LOOKED_AT_BYTES, 1),
            (LOOKED_AT_BYTES + 5, 1),
        ] {
            let input = || {
                BufReader::with_capacity(
                    1 << 20,
                    std::io::repeat(b'x').take(length).chain(&b"\n{}\n"[..]),
                )
            };
            let mut reader = input();
            let before = read_as_before(&mut input());
            let now = read_in_chunks(&mut reader, 1024);
            assert!(now == before, "a line of {length} bytes");
            let mut left = Vec::new();
            let _ = reader.read_to_end(&mut left);
            assert_eq!(
                left.len() as u64,
                length + 4 - now.1,
                "a line of {length} bytes"
            );
            assert_eq!(now.0.len(), lines, "a line of {length} bytes");
        }
    }

    /// Decides a chunk by writing each line's number and text (or `too long`); a line `panic`
    /// panics.
    fn echo(chunk: &Chunk, out: &mut String) -> usize {
        let mut bad = 0;
        for (number, line) in &chunk.lines {
            match line {
                Ok(range) => {
                    let text =
                        String::from_utf8_lossy(chunk.text.get(range.clone()).unwrap_or_default());
                    assert!(text != "panic", "asked to panic");
                    out.push_str(&format!("{number} {text}\n"));
                }
                Err(_) => {
                    bad += 1;
                    out.push_str(&format!("{number} too long\n"));
                }
            }
        }
        bad
    }

    /// A batch of `lines` lines, `case N` on line N but for some blank ones and some ending in
    /// `\r\n`, and what [`echo`] writes for it.
    fn numbered(lines: usize) -> (String, String) {
        let (mut input, mut expected) = (String::new(), String::new());
        for number in 1..=lines {
            if number % 97 == 0 {
                input.push_str(" \t\n");
                continue;
            }
            input.push_str(&format!("case {number}"));
            input.push_str(if number % 5 == 0 { "\r\n" } else { "\n" });
            expected.push_str(&format!("{number} case {number}\n"));
        }
        (input, expected)
    }

    /// Runs [`echo`] over `input` and returns the output, the summary and the progress told.
    fn run_echo(
        input: &[u8],
        (size, jobs, capacity): (usize, usize, usize),
        decide: &super::DecideChunk,
    ) -> (String, BatchSummary, Vec<BatchProgress>) {
        let mut out = Vec::new();
        let mut told = Vec::new();
        let summary = run(
            &mut BufReader::with_capacity(capacity, input),
            &mut out,
            (size, jobs),
            decide,
            &mut |progress| told.push(progress),
        );
        (String::from_utf8_lossy(&out).into_owned(), summary, told)
    }

    /// Many chunks on one, two and three threads, some of them a line each: the output is in
    /// input order, and progress is told once a chunk, in order, finished only at the end.
    #[test]
    fn chunks_are_written_in_input_order_and_progress_told_once_each() {
        let (input, expected) = numbered(20_000);
        let cases = expected.lines().count();
        for (size, jobs, capacity) in [
            (1024, 1, 1 << 16),
            (1024, 2, 1 << 16),
            (7, 2, 100),
            (1, 3, 13),
            (20_000, 2, 1 << 20),
        ] {
            let setting = format!("{size} lines a chunk, {jobs} jobs");
            let (out, summary, told) = run_echo(input.as_bytes(), (size, jobs, capacity), &echo);
            assert!(out == expected, "{setting}");
            assert_eq!((summary.lines, summary.bad_lines), (cases, 0), "{setting}");
            assert_eq!(told.len(), cases / size + 1, "{setting}");
            for (before, after) in told.iter().zip(told.iter().skip(1)) {
                assert!(!before.finished, "{setting}");
                assert!(before.bytes <= after.bytes && before.lines <= after.lines);
            }
            let last = told.last().copied();
            assert!(
                last.is_some_and(|last| last.finished
                    && last.bytes == input.len() as u64
                    && last.lines == cases),
                "{setting}: {last:?}"
            );
        }
    }

    /// A panic while deciding makes its chunk's output one error object; the other chunks are
    /// written as usual, on one thread or several.
    #[test]
    fn a_chunk_that_panics_is_one_error_object() {
        let (mut input, expected) = numbered(5_000);
        input = input.replace("case 3001\n", "panic\n");
        for jobs in [1, 2] {
            let (out, summary, told) = run_echo(input.as_bytes(), (100, jobs, 1 << 16), &echo);
            let stopped = "{\"error\":{\"message\":\"a worker stopped\"}}";
            // Every line but those of the chunk of 100 that holds line 3001.
            let panicked = expected.lines().position(|line| line == "3001 case 3001");
            let kept: Vec<&str> = expected
                .lines()
                .enumerate()
                .filter(|(index, _)| Some(index / 100) != panicked.map(|at| at / 100))
                .map(|(_, line)| line)
                .collect();
            let written: Vec<&str> = out.lines().filter(|line| *line != stopped).collect();
            assert_eq!(out.lines().filter(|line| *line == stopped).count(), 1);
            assert!(written == kept, "{jobs} jobs");
            assert_eq!(summary.bad_lines, 1);
            assert!(told.last().is_some_and(|last| last.finished));
        }
    }

    /// An output that takes this many bytes and then fails, as a closed pipe does.
    struct Closing(usize);

    impl Write for Closing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if bytes.len() > self.0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            self.0 -= bytes.len();
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A closed output ends the run: the workers stop after the chunks they hold, and no more
    /// of the input is decided.
    #[test]
    fn a_closed_output_stops_the_run() {
        let (input, _) = numbered(100_000);
        for jobs in [1, 2, 3] {
            let decided = AtomicUsize::new(0);
            let decide = |chunk: &Chunk, out: &mut String| {
                decided.fetch_add(1, Ordering::Relaxed);
                echo(chunk, out)
            };
            let mut told = 0;
            let summary = run(
                &mut input.as_bytes(),
                &mut Closing(10_000),
                (64, jobs),
                &decide,
                &mut |_| told += 1,
            );
            // The chunks written, the one that failed, and at most those in flight.
            assert!(summary.lines <= (told + 1) * 64, "{jobs} jobs");
            assert!(decided.into_inner() <= told + 1 + jobs + 2, "{jobs} jobs");
        }
    }
}
