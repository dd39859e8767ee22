# SPDX-License-Identifier: GPL-3.0-or-later
# Where the system-integration files go, the service's user, and the files
# generated for this prefix. Included by CMakeLists.txt after the default
# configuration path (IPMI_AGENTX_CONFIG_DIR, IPMI_AGENTX_DEFAULT_CONFIG) is
# set.
#
# systemd says where its files belong: pkg-config's systemd.pc has
# systemdsystemunitdir and sysusersdir (Debian 12: /lib/systemd/system and
# /usr/lib/sysusers.d; Debian 13: /usr/lib/systemd/system), udev.pc has
# udevdir. They are asked for prefix /usr (a package, or a system install);
# another prefix P installs under P/lib/..., which systemd, udev and
# systemd-sysusers also read for P = /usr/local. Without pkg-config or
# systemd.pc (a build machine without systemd) the fallbacks are
# P/lib/systemd/system and P/lib/sysusers.d; without udev.pc the rules go
# beside the unit directory (/lib/systemd/system -> /lib/udev/rules.d).
# Every directory can be set by hand with the cache variables below.

# The service's system user and group (sysusers.d). Debian names new system
# users with a leading underscore (as lldpd's _lldpd).
set(IPMI_AGENTX_USER _ipmi-agentx)

find_package(PkgConfig QUIET)

function(ipmi_agentx_pkg_variable out module variable)
  set(value "")
  if(PKG_CONFIG_EXECUTABLE AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --variable=${variable} ${module}
      OUTPUT_VARIABLE value OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
      RESULT_VARIABLE failed)
    if(failed)
      set(value "")
    endif()
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

set(IPMI_AGENTX_SYSTEMD_UNITDIR "" CACHE PATH
  "systemd system unit directory (empty: pkg-config systemd's systemdsystemunitdir for prefix /usr, else PREFIX/lib/systemd/system)")
set(IPMI_AGENTX_SYSUSERSDIR "" CACHE PATH
  "sysusers.d directory (empty: pkg-config systemd's sysusersdir for prefix /usr, else PREFIX/lib/sysusers.d)")
set(IPMI_AGENTX_UDEVRULESDIR "" CACHE PATH
  "udev rules directory (empty: pkg-config udev's udevdir/rules.d for prefix /usr, else beside the unit directory)")

if(IPMI_AGENTX_SYSTEMD_UNITDIR)
  set(unitdir ${IPMI_AGENTX_SYSTEMD_UNITDIR})
else()
  ipmi_agentx_pkg_variable(unitdir systemd systemdsystemunitdir)
  if(NOT unitdir)
    set(unitdir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  endif()
endif()

if(IPMI_AGENTX_SYSUSERSDIR)
  set(sysusersdir ${IPMI_AGENTX_SYSUSERSDIR})
else()
  ipmi_agentx_pkg_variable(sysusersdir systemd sysusersdir)
  if(NOT sysusersdir)
    set(sysusersdir ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d)
  endif()
endif()

if(IPMI_AGENTX_UDEVRULESDIR)
  set(udevrulesdir ${IPMI_AGENTX_UDEVRULESDIR})
else()
  ipmi_agentx_pkg_variable(udevdir udev udevdir)
  if(udevdir)
    set(udevrulesdir ${udevdir}/rules.d)
  elseif(unitdir MATCHES "^(.*)/systemd/system$")
    set(udevrulesdir ${CMAKE_MATCH_1}/udev/rules.d)
  else()
    set(udevrulesdir ${CMAKE_INSTALL_PREFIX}/lib/udev/rules.d)
  endif()
endif()
message(STATUS "ipmi-agentx: unit in ${unitdir}, sysusers.d in ${sysusersdir}, "
  "udev rules in ${udevrulesdir}")

# Generated for this prefix: the unit (sbindir, configuration, user), the
# sysusers.d entry and the udev rule (the user), the short configuration
# that is installed as IPMI_AGENTX_DEFAULT_CONFIG (documentation paths) and
# the snmpd.conf.d drop-in of the examples (the user).
set(IPMI_AGENTX_FULL_DOCDIR ${CMAKE_INSTALL_FULL_DATADIR}/doc/ipmi-agentx)
configure_file(${CMAKE_SOURCE_DIR}/conf/ipmi-agentx.service.in
  ${CMAKE_BINARY_DIR}/ipmi-agentx.service @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/packaging/sysusers.conf.in
  ${CMAKE_BINARY_DIR}/packaging/sysusers.d/ipmi-agentx.conf @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/packaging/udev.rules.in
  ${CMAKE_BINARY_DIR}/packaging/udev/60-ipmi-agentx.rules @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/conf/ipmi-agentx.installed.yaml.in
  ${CMAKE_BINARY_DIR}/packaging/etc/ipmi-agentx.yaml @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/conf/snmpd.conf.d/ipmi-agentx.conf.in
  ${CMAKE_BINARY_DIR}/packaging/snmpd.conf.d/ipmi-agentx.conf @ONLY)
