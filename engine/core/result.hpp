// The cold-path error channel lives in shm/ (the lowest layer uses it too); engine code keeps
// including it from here.
#pragma once

#include "shm/result.hpp"
