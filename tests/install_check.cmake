# install_check.cmake — checks the installed package the way a consumer sees it. ctest runs one step
# per test (see tests/CMakeLists.txt):
#   cmake -DSTEP=<step> -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... [...] -P install_check.cmake
# Steps:
#   install    `cmake --install` the build tree into WORK_DIR/prefix (afresh each run)
#   headers    installed headers include no Eigen, CUDA or OpenMP header, and each one (tapegrad.h
#              first) compiles on its own with only <prefix>/include on the include path
#   cmake      examples/consumer configures (find_package), builds and runs against the prefix
#   pkgconfig  examples/consumer/main.cpp builds with `pkg-config --cflags --libs tapegrad` and runs
cmake_minimum_required(VERSION 3.25)

foreach(var STEP SOURCE_DIR BUILD_DIR WORK_DIR CXX BUILD_TYPE LIBDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_check: -D${var}=... is required")
  endif()
endforeach()
set(prefix ${WORK_DIR}/prefix)
set(san_flags "")
if(SANITIZE)  # the library was built with sanitizers, so whatever links it must be too
  set(san_flags -fsanitize=${SANITIZE} -fno-omit-frame-pointer)
endif()

# run(<command...>) runs a command and fails the check, showing its output, when it fails.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "install_check(${STEP}): failed (${rc}): ${cmd}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${prefix})
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --config ${BUILD_TYPE})
  foreach(f include/tapegrad/tapegrad.h ${LIBDIR}/cmake/tapegrad/tapegradConfig.cmake
            ${LIBDIR}/pkgconfig/tapegrad.pc)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "install_check(install): ${f} was not installed")
    endif()
  endforeach()

elseif(STEP STREQUAL "headers")
  file(GLOB_RECURSE headers RELATIVE ${prefix}/include ${prefix}/include/tapegrad/*)
  list(REMOVE_ITEM headers tapegrad/tapegrad.h)
  list(SORT headers)
  list(PREPEND headers tapegrad/tapegrad.h)
  set(heavy "^[ \t]*#[ \t]*include[ \t]*[<\"](Eigen/|unsupported/Eigen|cuda|cublas|curand|cub/|thrust/|omp\\.h)")
  set(tu_dir ${WORK_DIR}/headers)
  file(REMOVE_RECURSE ${tu_dir})
  file(MAKE_DIRECTORY ${tu_dir})
  foreach(h ${headers})
    file(STRINGS ${prefix}/include/${h} bad REGEX "${heavy}")
    if(bad)
      message(FATAL_ERROR "install_check(headers): public header ${h} includes a heavy header "
                          "(Eigen, CUDA and OpenMP stay inside kernels/ sources): ${bad}")
    endif()
    # Compile from an empty folder with only the prefix on the include path: no source tree, no
    # Eigen, no CUDA. Warnings in public headers are errors, since consumers see them.
    string(MAKE_C_IDENTIFIER ${h} stem)
    file(WRITE ${tu_dir}/${stem}.cpp "#include <${h}>\n")
    execute_process(
      COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I${prefix}/include ${stem}.cpp
      WORKING_DIRECTORY ${tu_dir} RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "install_check(headers): <${h}> does not compile on its own with only "
                          "${prefix}/include:\n${err}")
    endif()
  endforeach()
  list(LENGTH headers n)
  message(STATUS "install_check(headers): ${n} installed headers are light and self-contained")

elseif(STEP STREQUAL "cmake")
  set(bdir ${WORK_DIR}/consumer-cmake)
  file(REMOVE_RECURSE ${bdir})
  set(flags "")
  if(san_flags)
    string(REPLACE ";" " " flags "${san_flags}")
  endif()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${bdir} -G ${GENERATOR}
      -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
      -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CXX}
      "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${flags}")
  # It must have found this prefix, not some other tapegrad on the machine.
  file(STRINGS ${bdir}/CMakeCache.txt found REGEX "^tapegrad_DIR:")
  file(REAL_PATH ${prefix} real_prefix)
  if(NOT found MATCHES "=(${prefix}|${real_prefix})/")
    message(FATAL_ERROR "install_check(cmake): find_package found the wrong tapegrad: ${found}")
  endif()
  run(${CMAKE_COMMAND} --build ${bdir} --config ${BUILD_TYPE})
  run(${bdir}/tapegrad_consumer)
  message(STATUS "${run_output}")

elseif(STEP STREQUAL "pkgconfig")
  set(pc_env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig)
  run(${CMAKE_COMMAND} -E env ${pc_env} ${PKG_CONFIG} --cflags --libs tapegrad)
  separate_arguments(pc_flags UNIX_COMMAND "${run_output}")
  set(exe ${WORK_DIR}/consumer-pkgconfig)
  run(${CXX} ${san_flags} ${SOURCE_DIR}/examples/consumer/main.cpp -o ${exe} ${pc_flags})
  run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR} ${exe})
  message(STATUS "${run_output}")

else()
  message(FATAL_ERROR "install_check: unknown STEP '${STEP}'")
endif()
