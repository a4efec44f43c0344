//! The playground at `/`: one page, its style and its script, embedded in the binary so that it
//! works with no network. Every answer it shows comes from the service's own endpoints.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `GET /`: the page.
pub async fn page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("playground/index.html"),
    )
        .into_response()
}

/// `GET /playground/{file}`: its style and script.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (kind, text) = match file.as_str() {
        "playground.js" => (
            "text/javascript; charset=utf-8",
            include_str!("playground/playground.js"),
        ),
        "playground.css" => (
            "text/css; charset=utf-8",
            include_str!("playground/playground.css"),
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, kind)], text).into_response()
}
