// `ose-pg-cluster`: a throwaway PostgreSQL cluster for shell tests. Starts one
// (postgres_server.hpp), prints its libpq connection string as a postgresql:// URI on stdout's
// first line, then serves until SIGTERM or SIGINT, and stops it (directory removed). Exit 77 when
// no PostgreSQL server is installed, so a test can skip; 1 when it does not come up.
#include <signal.h>

#include <cstdio>

#include "support/pg_cluster/postgres_server.hpp"

int main(int argc, char** argv) {
  ose::support::PostgresServerOptions o;
  if (argc > 1) o.parent_dir = argv[1];
  // Block the stop signals before the server starts; sigwait takes them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto server = ose::support::PostgresServer::start(o);
  if (!server) {
    std::fprintf(stderr, "ose-pg-cluster: %s\n", server.error().c_str());
    return server.error().find("PostgreSQL server not found") != std::string::npos ? 77 : 1;
  }
  std::printf("postgresql://postgres@127.0.0.1:%u/postgres?connect_timeout=5\n", server->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  const std::string why = server->stop();
  if (!why.empty()) std::fprintf(stderr, "ose-pg-cluster: stop: %s\n", why.c_str());
  return why.empty() ? 0 : 1;
}
