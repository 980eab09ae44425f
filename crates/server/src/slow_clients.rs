//! Connections that never start a request. hyper's header read timeout closes a connection
//! whose request headers do not arrive in time, but only once it has decided which HTTP
//! version the client speaks — and for that it waits for the first bytes, without a limit. An
//! [`FirstBytes`] acceptor waits for those bytes itself, for at most the header timeout, and
//! hands them on in front of the stream ([`Primed`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, ReadBuf};

/// How many bytes are read while waiting for the first ones.
const FIRST_READ: usize = 4096;

/// Wraps an acceptor: after it has accepted (for TLS: after the handshake), the client must
/// send something within `timeout`, else the connection is dropped.
#[derive(Debug, Clone)]
pub struct FirstBytes<A> {
    inner: A,
    timeout: Duration,
}

impl<A> FirstBytes<A> {
    /// `inner`, with a limit on the wait for the first bytes.
    pub fn new(inner: A, timeout: Duration) -> Self {
        Self { inner, timeout }
    }
}

impl<A, I, S> Accept<I, S> for FirstBytes<A>
where
    A: Accept<I, S>,
    A::Future: Send + 'static,
    A::Stream: AsyncRead + Unpin + Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Primed<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let accepting = self.inner.accept(stream, service);
        let timeout = self.timeout;
        Box::pin(async move {
            let (mut stream, service) = accepting.await?;
            let mut first = vec![0; FIRST_READ];
            let read = tokio::time::timeout(timeout, stream.read(&mut first))
                .await
                .map_err(|_| {
                    tracing::debug!(
                        seconds = timeout.as_secs(),
                        "closing a connection that sent nothing in time"
                    );
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client sent nothing within the header timeout",
                    )
                })??;
            tracing::trace!(bytes = read, "a connection's first bytes");
            first.truncate(read);
            Ok((
                Primed {
                    first,
                    at: 0,
                    inner: stream,
                },
                service,
            ))
        })
    }
}

/// A stream whose first bytes were already read: they are read again first.
#[derive(Debug)]
pub struct Primed<S> {
    first: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Primed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(rest) = this.first.get(this.at..).filter(|r| !r.is_empty()) {
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.at += n;
            if this.at == this.first.len() {
                this.first = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Primed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    #[tokio::test]
    async fn the_first_bytes_are_read_again_then_the_rest() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let acceptor =
            FirstBytes::new(axum_server::accept::DefaultAcceptor, Duration::from_secs(5));
        let (mut stream, ()) = acceptor.accept(server, ()).await.unwrap();
        client.write_all(b"Host: x\r\n\r\n").await.unwrap();
        drop(client);
        let mut all = String::new();
        stream.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    #[tokio::test]
    async fn a_client_that_sends_nothing_is_refused_after_the_timeout() {
        let (_client, server) = tokio::io::duplex(64);
        let acceptor = FirstBytes::new(
            axum_server::accept::DefaultAcceptor,
            Duration::from_millis(100),
        );
        let error = acceptor.accept(server, ()).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }
}
