#include "apps/child_process.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>

#include <fmt/core.h>

namespace attnzoo::cli {

std::string ChildExit::describe() const {
  if (!started)
    return error;
  if (signal != 0)
    return fmt::format("killed by signal {} ({}){}", signal, strsignal(signal),
                       signal == SIGKILL ? ", probably for lack of memory" : "");
  return fmt::format("exited with status {}", status);
}

ChildExit run_child_process(const std::vector<std::string>& args, std::FILE* out, std::FILE* err,
                            const char* program) {
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ChildExit result;
  // What this process has buffered must not be written twice (once by the child).
  std::fflush(stdout);
  std::fflush(stderr);
  std::fflush(out);
  std::fflush(err);
  const int out_fd = fileno(out);
  const int err_fd = fileno(err);
  const pid_t pid = fork();
  if (pid < 0) {
    result.error = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {  // only async-signal-safe calls until exec
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(program, argv.data());
    _exit(127);
  }
  result.started = true;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    result.status = WEXITSTATUS(status);
  }
  return result;
}

std::string read_file_from_start(std::FILE* file) {
  std::string text;
  std::fflush(file);
  std::rewind(file);
  char buffer[4096];
  for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, file)) > 0;)
    text.append(buffer, got);
  return text;
}

std::string last_line(const std::string& text) {
  std::string last;
  std::stringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \r\t") != std::string::npos)
      last = line;
  }
  return last;
}

}  // namespace attnzoo::cli
