#include "bindgen/internal.h"
