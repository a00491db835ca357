//! Header-name casing on the wire. hyper writes either all header names lower-case or all
//! title-cased; Feishu's gateway sends `Content-Type` and `X-Tt-Logid` title-cased but its rate
//! limit headers lower-case (`x-ogw-ratelimit-limit`), and the Python SDK looks headers up
//! case-sensitively. The server writes title case and this stream wrapper lower-cases the
//! `X-Ogw-…` names as they are written: a same-length rewrite of the response head, so byte
//! counts are unchanged.

use std::io;
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

impl<S: AsyncRead + Unpin> AsyncRead for FeishuHeaderCase<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FeishuHeaderCase<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.windows(TITLE.len()).any(|w| w == TITLE) {
            let mut patched = buf.to_vec();
            lower_ogw_names(&mut patched);
            return Pin::new(&mut self.0).poll_write(cx, &patched);
        }
        Pin::new(&mut self.0).poll_write(cx, buf)
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
    use super::lower_ogw_names;

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
}
