//! Header-name casing on the wire. hyper writes either all header names lower-case or all
//! title-cased; Feishu's gateway sends `Content-Type` and `X-Tt-Logid` title-cased but its rate
//! limit headers lower-case (`x-ogw-ratelimit-limit`), and the Python SDK looks headers up
//! case-sensitively. The server writes title case and this stream wrapper lower-cases the
//! `X-Ogw-…` names as they are written: a same-length rewrite of the response head, so byte
//! counts are unchanged.

use std::borrow::Cow;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const TITLE: &[u8] = b"\r\nX-Ogw-";

/// A connection whose written `X-Ogw-…` header names are lower-cased.
pub struct FeishuHeaderCase<S>(pub S);

/// Lower-cases every header name that starts with `X-Ogw-` after a line break, in place.
fn lower_ogw_names(buf: &mut [u8]) {
    let mut i = 0;
    while let Some(pos) = buf[i..].windows(TITLE.len()).position(|w| w == TITLE) {
        let start = i + pos + 2;
        let mut j = start;
        while j < buf.len() && buf[j] != b':' && buf[j] != b'\r' {
            buf[j] = buf[j].to_ascii_lowercase();
            j += 1;
        }
        i = j;
    }
}

/// The length of the response head `buf` starts with (through its blank line, or all of `buf`
/// when the head goes on); 0 when `buf` does not start a response (a body).
fn head_len(buf: &[u8]) -> usize {
    if !buf.starts_with(b"HTTP/") {
        return 0;
    }
    buf.windows(4).position(|w| w == b"\r\n\r\n").map_or(buf.len(), |p| p + 4)
}

/// `buf` with its head's `X-Ogw-…` names lower-cased, borrowed when there are none.
fn patched(buf: &[u8]) -> Cow<'_, [u8]> {
    let head = head_len(buf);
    if !buf[..head].windows(TITLE.len()).any(|w| w == TITLE) {
        return Cow::Borrowed(buf);
    }
    let mut owned = buf.to_vec();
    lower_ogw_names(&mut owned[..head]);
    Cow::Owned(owned)
}

impl<S: AsyncRead + Unpin> AsyncRead for FeishuHeaderCase<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FeishuHeaderCase<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, &patched(buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let parts: Vec<Cow<'_, [u8]>> = bufs.iter().map(|b| patched(b)).collect();
        if parts.iter().all(|p| matches!(p, Cow::Borrowed(_))) {
            return Pin::new(&mut self.0).poll_write_vectored(cx, bufs);
        }
        let slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
        Pin::new(&mut self.0).poll_write_vectored(cx, &slices)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::{lower_ogw_names, patched};

    #[test]
    fn only_ogw_header_names_are_lowered() {
        let mut head = b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nX-Ogw-Ratelimit-Limit: 5\r\nX-Ogw-Ratelimit-Reset: 1\r\nX-Tt-Logid: 2024ABC\r\n\r\n{\"X-Ogw-\":1}".to_vec();
        lower_ogw_names(&mut head);
        let text = String::from_utf8(head).expect("utf-8");
        assert!(text.contains("\r\nx-ogw-ratelimit-limit: 5\r\n"));
        assert!(text.contains("\r\nx-ogw-ratelimit-reset: 1\r\n"));
        assert!(text.contains("\r\nContent-Type: application/json\r\n"));
        assert!(text.contains("\r\nX-Tt-Logid: 2024ABC\r\n"));
        assert!(text.ends_with("{\"X-Ogw-\":1}"));
    }

    #[test]
    fn bodies_and_heads_without_ogw_names_pass_through_unchanged() {
        let body = b"{\"a\":\"\r\nX-Ogw-Ratelimit-Limit: 5\"}";
        assert_eq!(&*patched(body), body, "a body is never rewritten");
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n\r\nX-Ogw-x";
        assert_eq!(&*patched(head), head, "only the head is rewritten");
        let limited = b"HTTP/1.1 429 Too Many Requests\r\nX-Ogw-Ratelimit-Limit: 5\r\n\r\n";
        assert_eq!(&*patched(limited), b"HTTP/1.1 429 Too Many Requests\r\nx-ogw-ratelimit-limit: 5\r\n\r\n");
    }
}
