//! How deeply expressions, types and exceptions may nest, and the stack the recursive passes keep
//! in reserve: shared by the parser, its errors and the checker.

/// How deeply expressions, and types (`optional`, `set of`), may nest; deeper input is a syntax
/// error, never a stack overflow.
pub const MAX_NESTING: usize = 64;

/// How long a chain of exceptions to exceptions may be; a longer one is a check error, so that
/// deciding and analysing, which follow such chains, stay shallow.
pub const MAX_EXCEPTION_DEPTH: usize = 64;

/// When less stack than this is left, recursive passes continue on a new stack segment of
/// `STACK_GROWTH` bytes: one nesting level can take over 100 KiB in a debug build.
pub const STACK_RED_ZONE: usize = 512 * 1024;
/// The size of each new stack segment.
pub const STACK_GROWTH: usize = 4 * 1024 * 1024;
