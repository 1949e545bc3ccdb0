//! Accepting connections: plain or TLS, each served by hyper with a deadline for the request
//! head (slowloris), at most `max_connections` at once; the database's reload triggers (the
//! file replaced, SIGHUP); and the drain on SIGTERM or SIGINT: the listener closes (new
//! connections are refused), requests in flight finish within `drain_timeout`, idle
//! keep-alive connections are closed, and the server exits.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::database::{Database, Reloaded};
use crate::{Config, Images, State};

/// Runs the server until SIGTERM or SIGINT, then drains it. Errors are what stops it from
/// starting: the address is taken, the certificate cannot be read.
pub fn serve(config: Config, images: Box<dyn Images>) -> io::Result<()> {
    let tls = config
        .tls
        .as_ref()
        .map(|(cert, key)| tls_acceptor(cert, key))
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(config, images, tls))?;
    // What still runs on blocking threads is work no one waits for any more (a request the
    // drain gave up on, a Harbor scan whose report would die with the process).
    runtime.shutdown_background();
    Ok(())
}

async fn run(config: Config, images: Box<dyn Images>, tls: Option<TlsAcceptor>) -> io::Result<()> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("--listen {}: {e}", config.listen)))?;
    // Handlers are installed before the first connection, so a signal is never missed.
    let mut stop = Stop::new()?;
    let db = Arc::new(Database::new(config.db.clone()));
    report_reload(
        &db,
        tokio::task::spawn_blocking({
            let db = db.clone();
            move || db.reload()
        })
        .await
        .map_err(io::Error::other)?,
    );
    tokio::spawn(watch_database(db.clone(), config.db_poll));

    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!(
        "plinth: server listening on {scheme}://{}",
        listener.local_addr()?
    );
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let header_timeout = config.header_timeout;
    let drain_timeout = config.drain_timeout;
    let state = Arc::new(State {
        scan_slots: Semaphore::new(config.max_scans),
        config,
        db,
        metrics: Default::default(),
        images,
        jobs: Default::default(),
        eol: Default::default(),
    });
    let app = crate::api::router(state);
    let connections = GracefulShutdown::new();

    let signal = loop {
        let (stream, slot) = tokio::select! {
            accepted = accept(&listener, &slots) => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: the peer is gone, keep serving.
                Err(e) => { eprintln!("plinth: warning: accept: {e}"); continue; }
            },
            signal = stop.received() => break signal,
        };
        let app = app.clone();
        let tls = tls.clone();
        let watcher = connections.watcher();
        tokio::spawn(async move {
            let _slot = slot;
            match tls {
                None => serve_connection(stream, app, header_timeout, watcher).await,
                Some(acceptor) => {
                    // A client that never finishes its handshake is dropped like a slow head.
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                    {
                        serve_connection(stream, app, header_timeout, watcher).await;
                    }
                }
            }
        });
    };
    drop(listener);
    drain(connections, signal, drain_timeout).await;
    Ok(())
}

/// The next connection, once one of the `max_connections` slots is free.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> io::Result<(TcpStream, OwnedSemaphorePermit)> {
    let slot = slots
        .clone()
        .acquire_owned()
        .await
        .map_err(io::Error::other)?;
    let (stream, _) = listener.accept().await?;
    Ok((stream, slot))
}

/// SIGTERM (Kubernetes, systemd) and SIGINT (Ctrl-C): either stops the server.
struct Stop {
    term: Signal,
    int: Signal,
}

impl Stop {
    fn new() -> io::Result<Stop> {
        Ok(Stop {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn received(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

/// Lets the connections' requests in flight finish, for at most `limit`.
async fn drain(connections: GracefulShutdown, signal: &str, limit: Duration) {
    eprintln!(
        "plinth: {signal}: no new connections; draining {} (up to {} s)",
        connections.count(),
        limit.as_secs()
    );
    match tokio::time::timeout(limit, connections.shutdown()).await {
        Ok(()) => eprintln!("plinth: drained; stopping"),
        Err(_) => eprintln!(
            "plinth: warning: requests still running after {} s (--drain-timeout); stopping",
            limit.as_secs()
        ),
    }
}

async fn serve_connection<IO>(io: IO, app: axum::Router, header_timeout: Duration, drain: Watcher)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(app);
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // A client that shuts its side down after sending still gets its answer (hyper would
        // otherwise drop a request whose handler had not answered by then).
        .half_close(true)
        .serve_connection(TokioIo::new(io), service);
    // Errors here are the peer's (reset, garbage, too slow): the connection ends, nothing else.
    let _ = drain.watch(connection).await;
}

/// Reloads when the file at the path is replaced, or on SIGHUP.
async fn watch_database(db: Arc<Database>, every: Duration) {
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("plinth: warning: SIGHUP will not reload the database: {e}");
            None
        }
    };
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => None } } => {}
        }
        let db2 = db.clone();
        if let Ok(result) = tokio::task::spawn_blocking(move || db2.reload()).await {
            report_reload(&db, result);
        }
    }
}

fn report_reload(db: &Database, result: Result<Reloaded, plinth_vulndb::DbError>) {
    match result {
        Ok(Reloaded::Unchanged) => {}
        Ok(Reloaded::Swapped(id)) => {
            eprintln!("plinth: serving {} (snapshot {id})", db.path().display())
        }
        Err(e) if db.current().is_none() => {
            eprintln!("plinth: not ready: {e}");
        }
        Err(e) => eprintln!("plinth: warning: reload: {e}; the loaded snapshot keeps serving"),
    }
}

/// A TLS acceptor from PEM files: the certificate chain and its private key.
fn tls_acceptor(cert: &std::path::Path, key: &std::path::Path) -> io::Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |path: &std::path::Path, e: &dyn std::fmt::Display| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(cert, &e))?;
    if certs.is_empty() {
        return Err(bad(cert, &"no certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(cert, &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| bad(cert, &e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
