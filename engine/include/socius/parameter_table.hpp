// A model's parameters declared once. Each entry of a ParameterTable binds a key to a member of
// the model's parameter struct, with its default, range, unit, description, source and whether it
// is fixed once the simulation is built (FLAME GPU 2's `newProperty(name, value, isConst)`, with
// the reader and the documentation thrown in): the schema, the reader and the documentation
// table all come from it, so adding a parameter is one line here plus its use.
//
//   t.real("trust.positive", at(&Params::trust, &Params::Trust::positive), 2.0, -20, 20,
//          "logit per unit", "Weight of the positive share of contacts.", "calibrated");
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "socius/parameters.hpp"

namespace socius {

namespace detail {
template <class T>
T& follow(T& x) {
  return x;
}
template <class T, class Step, class... Rest>
auto& follow(T& x, Step step, Rest... rest) {
  if constexpr (std::is_member_object_pointer_v<Step>) return follow(x.*step, rest...);
  else return follow(x[step], rest...);
}
}  // namespace detail

/// An accessor to a member of a parameter struct by a path of data-member pointers and array
/// indices: at(&Params::ties, &Params::Ties::decay, kFriend) reads p.ties.decay[kFriend].
template <class... Steps>
auto at(Steps... steps) {
  return [=](auto& p) -> auto& { return detail::follow(p, steps...); };
}

/// Whether a parameter may change while the simulation runs (ParameterSpec::fixed).
enum class Fixed : bool { No = false, AfterSetup = true };

/// The parameters of a model with parameter struct P, in declaration order.
template <class P>
class ParameterTable {
 public:
  struct Field {
    ParameterSpec spec;
    std::function<void(P&, const ParameterSet&)> read;    ///< copies the field's value into P
    std::function<ParameterValue(const P&)> value;        ///< the field's value in P
  };

  template <class Member>
  ParameterTable& real(std::string key, Member member, double def, double min, double max, std::string unit,
                       std::string description, std::string source, Fixed fixed = Fixed::No) {
    static_assert(std::is_same_v<std::invoke_result_t<Member, P&>, double&>, "a real parameter binds a double");
    ParameterSpec spec{key, ParameterType::Real, def, min, max, {}, std::move(unit), std::move(description), std::move(source)};
    return add(std::move(spec), fixed, [key, member](P& p, const ParameterSet& set) { member(p) = set.real(key); },
               [member](const P& p) -> ParameterValue { return member(p); });
  }

  template <class Member>
  ParameterTable& integer(std::string key, Member member, std::int64_t def, std::int64_t min, std::int64_t max,
                          std::string unit, std::string description, std::string source, Fixed fixed = Fixed::No) {
    static_assert(std::is_same_v<std::invoke_result_t<Member, P&>, std::int64_t&>, "an integer parameter binds an int64_t");
    ParameterSpec spec{key, ParameterType::Integer, def, static_cast<double>(min), static_cast<double>(max), {},
                       std::move(unit), std::move(description), std::move(source)};
    return add(std::move(spec), fixed, [key, member](P& p, const ParameterSet& set) { member(p) = set.integer(key); },
               [member](const P& p) -> ParameterValue { return member(p); });
  }

  template <class Member>
  ParameterTable& boolean(std::string key, Member member, bool def, std::string description, std::string source,
                          Fixed fixed = Fixed::No) {
    static_assert(std::is_same_v<std::invoke_result_t<Member, P&>, bool&>, "a boolean parameter binds a bool");
    ParameterSpec spec{key, ParameterType::Boolean, def, 0, 1, {}, "", std::move(description), std::move(source)};
    return add(std::move(spec), fixed, [key, member](P& p, const ParameterSet& set) { member(p) = set.boolean(key); },
               [member](const P& p) -> ParameterValue { return member(p); });
  }

  /// A choice bound to an enum whose values are the choices' positions (the first choice is 0).
  template <class Member>
  ParameterTable& choice(std::string key, Member member, std::string def, std::vector<std::string> choices,
                         std::string description, std::string source, Fixed fixed = Fixed::No) {
    using Ref = std::invoke_result_t<Member, P&>;
    static_assert(std::is_lvalue_reference_v<Ref> && std::is_enum_v<std::remove_reference_t<Ref>>,
                  "a choice parameter binds an enum");
    using Enum = std::remove_reference_t<Ref>;
    ParameterSpec spec{key, ParameterType::Choice, std::move(def), 0, 0, choices, "", std::move(description), std::move(source)};
    return add(
        std::move(spec), fixed,
        [key, member, choices](P& p, const ParameterSet& set) {
          const std::string& v = set.text(key);
          std::size_t i = 0;
          while (i + 1 < choices.size() && choices[i] != v) ++i;  // a validated set holds one of them
          member(p) = static_cast<Enum>(i);
        },
        [member, choices](const P& p) -> ParameterValue { return choices.at(static_cast<std::size_t>(member(p))); });
  }

  const std::vector<Field>& fields() const { return fields_; }

  /// The schema of every field, in declaration order.
  ParameterSchema schema() const {
    ParameterSchema s;
    for (const Field& f : fields_) s.add(f.spec);
    return s;
  }

  /// Reads every field from a set validated against schema() (or a schema that contains it)
  /// into `p`.
  void read(const ParameterSet& set, P& p) const {
    for (const Field& f : fields_) f.read(p, set);
  }
  /// The same, into a fresh P.
  P read(const ParameterSet& set) const {
    P p{};
    read(set, p);
    return p;
  }

 private:
  ParameterTable& add(ParameterSpec spec, Fixed fixed, std::function<void(P&, const ParameterSet&)> read,
                      std::function<ParameterValue(const P&)> value) {
    spec.fixed = fixed == Fixed::AfterSetup;
    fields_.push_back({std::move(spec), std::move(read), std::move(value)});
    return *this;
  }

  std::vector<Field> fields_;
};

}  // namespace socius
