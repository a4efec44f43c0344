//! The service's own problems — an unknown rulebook, a request that is not well-formed, a body
//! over the limit, a search past its deadline — each a diagnostic with a stable code, answered
//! as the CLI prints JSON errors: `{"errors": [diagnostic, …]}` with a status that says whose
//! fault it is.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::Problems;
use crate::report::diagnostic::Diagnostic;

/// A problem with a request.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServeError {
    /// No served rulebook has the name.
    #[error("no rulebook is served as `{name}`")]
    #[diagnostic(
        code(licit::serve::unknown_rulebook),
        help("the rulebooks served are {known}")
    )]
    UnknownRulebook {
        /// The name asked for.
        name: String,
        /// The names served, each in backticks.
        known: String,
    },

    /// A request body or query that is not what the endpoint takes.
    #[error("bad request: {problem}")]
    #[diagnostic(code(licit::serve::bad_request), help("{help}"))]
    BadRequest {
        /// What is wrong.
        problem: String,
        /// What the endpoint takes.
        help: String,
    },

    /// A body over the limit.
    #[error("the request body is larger than {limit} bytes")]
    #[diagnostic(
        code(licit::serve::too_large),
        help("send one case at a time, or many as NDJSON to `/v1/rulebooks/{{name}}/batch`")
    )]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    /// A request body that did not arrive in time.
    #[error("the request body did not arrive within {seconds} s")]
    #[diagnostic(
        code(licit::serve::slow_body),
        help(
            "send the whole body at once; a batch of many cases goes to `/v1/rulebooks/{{name}}/batch`, which is streamed"
        )
    )]
    SlowBody {
        /// The deadline in seconds.
        seconds: u64,
    },

    /// A search that did not finish in time.
    #[error("the search took longer than {seconds} s and was abandoned")]
    #[diagnostic(
        code(licit::serve::timeout),
        help("ask about fewer changes, or run the search with the command line")
    )]
    Timeout {
        /// The deadline in seconds.
        seconds: u64,
    },

    /// A search that stopped without an answer: a defect of licit.
    #[error("the search stopped without an answer")]
    #[diagnostic(
        code(licit::serve::stopped),
        help("this is a defect of licit; please report it with the request")
    )]
    Stopped,

    /// The decision log cannot be written: the decision is not given out.
    #[error("cannot write the decision log `{path}`: {reason}")]
    #[diagnostic(
        code(licit::io::cannot_write),
        help(
            "the decision was made but is not given out unless it is logged; free the log's disk or mend its file, then ask again"
        )
    )]
    CannotLog {
        /// The log's path as given to `--decision-log`.
        path: String,
        /// What the system said.
        reason: String,
    },

    /// Every search slot is taken.
    #[error("too many searches are running")]
    #[diagnostic(code(licit::serve::busy), help("try again in a moment"))]
    Busy,
}

impl ServeError {
    fn status(&self) -> StatusCode {
        match self {
            ServeError::UnknownRulebook { .. } => StatusCode::NOT_FOUND,
            ServeError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ServeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServeError::SlowBody { .. } => StatusCode::REQUEST_TIMEOUT,
            ServeError::Timeout { .. } | ServeError::Busy | ServeError::CannotLog { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ServeError::Stopped => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bad request with what the endpoint takes.
    pub fn bad_request(problem: impl Into<String>, help: &str) -> ServeError {
        ServeError::BadRequest {
            problem: problem.into(),
            help: help.to_string(),
        }
    }
}

/// The codes of an error response, for the metrics: put in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorCodes(pub Vec<String>);

/// An error answer: a status and diagnostics.
pub struct Failure {
    pub status: StatusCode,
    pub diagnostics: Vec<Diagnostic>,
}

impl From<ServeError> for Failure {
    fn from(error: ServeError) -> Failure {
        Failure {
            status: error.status(),
            diagnostics: vec![Diagnostic::plain(&error)],
        }
    }
}

impl From<Problems> for Failure {
    /// A case that does not fit, or a policy sent as text that does not check: 422.
    fn from(problems: Problems) -> Failure {
        Failure {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            diagnostics: problems.diagnostics,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let codes = ErrorCodes(self.diagnostics.iter().map(|d| d.code.clone()).collect());
        let body = serde_json::json!({ "errors": self.diagnostics });
        let mut response = (self.status, axum::Json(body)).into_response();
        response.extensions_mut().insert(codes);
        response
    }
}
