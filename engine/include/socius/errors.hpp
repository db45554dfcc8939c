// One named exception type per kind of error. Messages say what to fix.
#pragma once

#include <stdexcept>
#include <string>

namespace socius {

/// Base of every error socius raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A scenario or parameter is invalid (unknown key, wrong type, out of range, ...): the user's
/// input is at fault, not the program. The command line maps it to exit code 2.
class ScenarioError : public Error {
 public:
  using Error::Error;
};

/// Reading or writing a results file failed (cannot create, disk full, not a socius file).
class OutputError : public Error {
 public:
  using Error::Error;
};

/// A checkpoint cannot be used: corrupt, truncated, from another engine version or model, or
/// the model does not support checkpoints.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

/// An internal invariant was broken: a bug in socius or in a model.
class InvariantError : public Error {
 public:
  using Error::Error;
};

}  // namespace socius
