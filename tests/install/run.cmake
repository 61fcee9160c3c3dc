# ctest: install actfn into WORK_DIR/prefix, then build two programs against it, with
# find_package(actfn) and with pkg-config, and run them: tests/install/consumer.cc and the
# README's C++ example (so the README cannot drift from the API).
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The README's ```cpp block.
file(READ ${README} readme)
string(FIND "${readme}" "```cpp\n" start)
if(start EQUAL -1)
  message(FATAL_ERROR "no ```cpp block in ${README}")
endif()
math(EXPR start "${start} + 7")
string(SUBSTRING "${readme}" ${start} -1 rest)
string(FIND "${rest}" "\n```" end)
string(SUBSTRING "${rest}" 0 ${end} example)
file(MAKE_DIRECTORY ${WORK_DIR}/src)
file(WRITE ${WORK_DIR}/src/readme_example.cc "${example}\n")
file(COPY ${SOURCE_DIR}/consumer.cc ${SOURCE_DIR}/CMakeLists.txt DESTINATION ${WORK_DIR}/src)

# 1. find_package
run(${CMAKE_COMMAND} -S ${WORK_DIR}/src -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
message(STATUS "find_package consumer: ${out}")
run(${WORK_DIR}/build/readme_example)
if(NOT out MATCHES "^0.2689414213699951\n-0.002 0.25 0.333333\n")
  message(FATAL_ERROR "the README's C++ example printed:\n${out}")
endif()

# 2. pkg-config
file(GLOB_RECURSE pc ${prefix}/*/actfn.pc)
if(NOT pc)
  message(FATAL_ERROR "no actfn.pc under ${prefix}")
endif()
get_filename_component(pcdir ${pc} DIRECTORY)
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${pcdir})
run(${PKG_CONFIG} --cflags --libs actfn)
string(STRIP "${out}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
find_program(CXX NAMES c++ g++ clang++ REQUIRED)
get_filename_component(libdir ${pcdir} DIRECTORY)
set(ENV{LD_LIBRARY_PATH} ${libdir})
foreach(prog consumer readme_example)
  run(${CXX} ${WORK_DIR}/src/${prog}.cc ${flags} -o ${WORK_DIR}/${prog}_pc)
  run(${WORK_DIR}/${prog}_pc)
  message(STATUS "pkg-config ${prog}: ${out}")
endforeach()
