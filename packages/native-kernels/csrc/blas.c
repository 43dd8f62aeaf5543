#include "blas.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef void (*set_threads_fn)(int);
typedef char* (*string_fn)(void);

kd_blas kd_blas_load(const char* const* candidates, const char* core, int force) {
  kd_blas blas = {NULL, "", "", "", "no BLAS library named"};
  // OpenBLAS reads OPENBLAS_CORETYPE once, when it loads: set it for that moment only, and over
  // the environment's own setting only when forced.
  const char* before = getenv("OPENBLAS_CORETYPE");
  char* saved = before ? strdup(before) : NULL;
  const int set_core = core && (force || !before);
  if (set_core) setenv("OPENBLAS_CORETYPE", core, 1);
  for (const char* const* name = candidates; *name; name++) {
    void* lib = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      blas.reason = "no OpenBLAS library found (Debian: apt-get install libopenblas0-pthread)";
      continue;
    }
    kd_sgemm_fn sgemm = (kd_sgemm_fn)dlsym(lib, "cblas_sgemm");
    if (!sgemm) {
      blas.reason = "the BLAS library has no cblas_sgemm";
      dlclose(lib);
      continue;
    }
    // The addon's own threads split the work; BLAS runs one thread per call.
    set_threads_fn set_threads = (set_threads_fn)dlsym(lib, "openblas_set_num_threads");
    if (set_threads) set_threads(1);
    string_fn corename = (string_fn)dlsym(lib, "openblas_get_corename");
    string_fn config = (string_fn)dlsym(lib, "openblas_get_config");
    blas.sgemm = sgemm;
    blas.library = *name;
    blas.core = corename ? corename() : "";
    blas.config = config ? config() : "";
    blas.reason = "";
    break;
  }
  if (set_core) {
    if (saved) setenv("OPENBLAS_CORETYPE", saved, 1);
    else unsetenv("OPENBLAS_CORETYPE");
  }
  free(saved);
  return blas;
}
