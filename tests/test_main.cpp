#include <gtest/gtest.h>

#include "core/runtime.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  attnzoo::use_all_cores();
  return RUN_ALL_TESTS();
}
