# SPDX-License-Identifier: GPL-3.0-or-later
# CPack post-build script (CPACK_POST_BUILD_SCRIPTS): brings CPack's -dbgsym
# .ddeb to what dh_strip makes, so that lintian passes it:
#   - md5sums with paths relative to the package root (CPack 3.25 writes its
#     own staging path);
#   - the .debug files mode 0644, not executable;
#   - usr/share/doc/PACKAGE-dbgsym a symbolic link to PACKAGE's directory,
#     whose copyright and changelog cover it (it depends on PACKAGE of the
#     same version).
# (A -dbgsym package may hold nothing but debug files and that link, so it
# cannot carry lintian overrides of its own.)
# The package is rebuilt with dpkg-deb, its files owned by root.
foreach(ddeb IN LISTS CPACK_PACKAGE_FILES)
  if(NOT ddeb MATCHES "\\.ddeb$")
    continue()
  endif()
  set(root "${ddeb}.d")
  file(REMOVE_RECURSE "${root}")
  execute_process(COMMAND dpkg-deb -R "${ddeb}" "${root}" COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND dpkg-deb -f "${ddeb}" Package
    OUTPUT_VARIABLE name OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  string(REGEX REPLACE "-dbgsym$" "" main "${name}")

  file(GLOB_RECURSE debug_files RELATIVE "${root}" "${root}/usr/lib/debug/*")
  foreach(f IN LISTS debug_files)
    file(CHMOD "${root}/${f}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endforeach()
  file(MAKE_DIRECTORY "${root}/usr/share/doc")
  file(CREATE_LINK "${main}" "${root}/usr/share/doc/${name}" SYMBOLIC)

  file(GLOB_RECURSE all_files LIST_DIRECTORIES false RELATIVE "${root}" "${root}/usr/*")
  list(SORT all_files)
  set(md5sums "")
  foreach(f IN LISTS all_files)
    if(IS_SYMLINK "${root}/${f}")
      continue()
    endif()
    file(MD5 "${root}/${f}" sum)
    string(APPEND md5sums "${sum}  ${f}\n")
  endforeach()
  file(WRITE "${root}/DEBIAN/md5sums" "${md5sums}")
  file(CHMOD "${root}/DEBIAN/md5sums" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

  file(REMOVE "${ddeb}")
  execute_process(COMMAND dpkg-deb --root-owner-group -Zxz --build "${root}" "${ddeb}"
    OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
  file(REMOVE_RECURSE "${root}")
endforeach()
