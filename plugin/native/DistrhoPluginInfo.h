/*
 * hushboard native bridge: the DPF feature switches (the same for every exported plugin).
 *
 * DPF reads this header by name. What differs between exported plugins (name, URI, channel
 * count, ids) comes from HushboardGeneratedInfo.h, which `hushboard export-plugin` writes into
 * the build folder next to HushboardGeneratedParameters.h (the parameter table).
 */
#ifndef DISTRHO_PLUGIN_INFO_H_INCLUDED
#define DISTRHO_PLUGIN_INFO_H_INCLUDED

#include "HushboardGeneratedInfo.h"

#define DISTRHO_PLUGIN_BRAND "hushboard"
#define DISTRHO_PLUGIN_HAS_UI 0
// Not hard-real-time capable: every chunk runs Python (see HushboardBridge.cpp).
#define DISTRHO_PLUGIN_IS_RT_SAFE 0
#define DISTRHO_PLUGIN_IS_SYNTH 0
#define DISTRHO_PLUGIN_WANT_LATENCY 1
#define DISTRHO_PLUGIN_WANT_PROGRAMS 0
// One state key, "preset": the hushboard preset JSON of the embedded plugin (host recall).
// Not for LV2: DPF's LV2 state needs atom event ports and the worker feature, which simple
// hosts (lv2apply) refuse. An LV2 host recalls the parameters (all control ports); the rest of
// the preset (learned noise profiles, a chain's natives, automation) comes from the bundle's
// config, and without a UI there is nothing else a host could change.
#ifdef DISTRHO_PLUGIN_TARGET_LV2
# define DISTRHO_PLUGIN_WANT_STATE 0
# define DISTRHO_PLUGIN_WANT_FULL_STATE 0
#else
# define DISTRHO_PLUGIN_WANT_STATE 1
# define DISTRHO_PLUGIN_WANT_FULL_STATE 1
#endif
#define DISTRHO_PLUGIN_WANT_TIMEPOS 0
#define DISTRHO_PLUGIN_WANT_MIDI_INPUT 0

#if DISTRHO_PLUGIN_NUM_INPUTS == 1
# define DISTRHO_PLUGIN_VST3_CATEGORIES "Fx|Restoration|Mono"
# define DISTRHO_PLUGIN_CLAP_FEATURES "audio-effect", "restoration", "mono"
#else
# define DISTRHO_PLUGIN_VST3_CATEGORIES "Fx|Restoration|Stereo"
# define DISTRHO_PLUGIN_CLAP_FEATURES "audio-effect", "restoration", "stereo"
#endif
#define DISTRHO_PLUGIN_LV2_CATEGORY "lv2:FilterPlugin"

#endif
