# docs/lesson-guide.md is what `backlog guide` prints (issue 16): the guide is generated from the code it
# describes, so a change to the lesson format, the model's timers or check's rules shows here until the
# file is generated again.
#   cmake -DBACKLOG=path/to/backlog -DGUIDE=docs/lesson-guide.md -P guide.cmake
execute_process(COMMAND ${BACKLOG} guide RESULT_VARIABLE status OUTPUT_VARIABLE generated ERROR_VARIABLE err)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "backlog guide: exit status ${status}\n${err}")
endif()
file(READ ${GUIDE} committed)
if(NOT generated STREQUAL committed)
    message(FATAL_ERROR "${GUIDE} is not what `backlog guide` prints now. Regenerate it and commit it:\n"
                        "    ${BACKLOG} guide > ${GUIDE}")
endif()
