// The published staff figures the community model's default baseline must reproduce, shared by
// the staff calibration case (test_community_staff.cpp) and the 30-year steady-state case
// (test_community_calibration.cpp), which runs the baseline once for residents and staff.
#pragma once

#include <catch2/catch.hpp>

#include <iterator>
#include <string>

namespace community_test {

/// The published staff figures (MODEL.md, "Evidence the model must answer to") and the bands a
/// mean over three seeds must fall in: the source's band where it gives one, otherwise an
/// allowance of at least three standard errors of the 3-seed mean (docs/model.md, "Burnout,
/// turnover and vacancies", gives the measured spread).
struct StaffFigure {
  const char* indicator;
  double lo, hi;
};
// DfE children's social work workforce census: turnover 15.4% (2021); vacancy rate 16.7-20%
// (2021-2022); caseload about 16.5 (2021). NHS Staff Survey 2023: about 30% often or always
// burnt out because of work.
inline constexpr StaffFigure kStaffFigures[] = {
    {"staff_turnover_rate", 0.115, 0.195},
    {"vacancy_rate", 0.13, 0.22},
    {"burnout_share", 0.22, 0.38},
    {"caseload_mean", 14.5, 18.5},
};
inline constexpr std::size_t kStaffN = std::size(kStaffFigures);

inline void check_staff(const double (&mean)[kStaffN], const std::string& when) {
  for (std::size_t i = 0; i < kStaffN; ++i) {
    const auto& f = kStaffFigures[i];
    INFO(when << ": " << f.indicator << " = " << mean[i] << ", band " << f.lo << " to " << f.hi);
    CHECK(mean[i] >= f.lo);
    CHECK(mean[i] <= f.hi);
  }
}

}  // namespace community_test
