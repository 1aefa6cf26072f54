/*
 * hushboard native bridge: one DPF plugin that runs a hushboard plugin (or chain) in Python.
 *
 * The same source serves every exported plugin; what differs (names, ids, channel count, the
 * parameter table, the default preset) comes from the two headers `hushboard export-plugin`
 * generates into the build folder. The Python side is hushboard/plugin/native_host.py.
 *
 * Interpreter. In a host that already runs Python (pedalboard), the plugin attaches to that
 * interpreter; in any other host it initialises one interpreter per process, isolated (no
 * environment variables, no user site), with the home of the Python it was built against, and
 * the bundle's config file names the site-packages folders that hold hushboard. Every call into
 * Python is wrapped in PyGILState_Ensure/Release, which works whether or not the calling thread
 * already holds the GIL (pedalboard releases it while it processes).
 *
 * Real time. Parameter changes from the host only store a float (atomic) and mark it dirty;
 * they reach Python at the start of the next block. The audio thread does no allocation in
 * C++: input is copied into a numpy array preallocated at activate(), Python fills a second
 * one, and a preallocated ring buffer keeps the dry input for pass-through. The Python call per
 * block is the one unavoidable cost (it takes the GIL and allocates inside Python); its cost is
 * measured by benchmarks/native_bridge.py. A Python failure never reaches the host: the block
 * passes through dry (delayed by the reported latency, so it lines up) and the error is printed
 * to stderr and counted in the read-only "bridge_errors" parameter.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "DistrhoPlugin.hpp"
#include "DistrhoPluginUtils.hpp"
#include "HushboardGeneratedParameters.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

START_NAMESPACE_DISTRHO

namespace {

// Python source run once per plugin instance to build the bridge object. It imports hushboard
// from the host interpreter if it can, else from the folders the bundle's config names.
const char* const kBootstrapSource = R"PY(
import json, sys

def bootstrap(config_path, table_hash, num_channels):
    with open(config_path, encoding="utf-8") as file:
        config = json.load(file)
    try:
        from hushboard.plugin import native_host
    except ImportError:
        import importlib, site
        for folder in config["python"].get("site_dirs", []):
            site.addsitedir(folder)
        importlib.invalidate_caches()
        try:
            from hushboard.plugin import native_host
        except ImportError:
            import importlib.util, os
            package = config["python"]["package_dir"]
            spec = importlib.util.spec_from_file_location(
                "hushboard", os.path.join(package, "__init__.py"),
                submodule_search_locations=[package])
            module = importlib.util.module_from_spec(spec)
            sys.modules["hushboard"] = module
            spec.loader.exec_module(module)
            from hushboard.plugin import native_host
    return native_host.Bridge(config, config_path, table_hash, num_channels)
)PY";

std::mutex gPythonMutex;
bool gPythonTried = false;
bool gPythonReady = false;
std::string gPythonError;

void report(const char* message)
{
    std::fprintf(stderr, "hushboard bridge (%s): %s\n", HUSHBOARD_LABEL, message);
    std::fflush(stderr);
}

// The interpreter this process runs, started if there is none. Thread-safe, runs once.
bool ensurePython(std::string& error)
{
    const std::lock_guard<std::mutex> lock(gPythonMutex);
    if (! gPythonTried)
    {
        gPythonTried = true;
        if (Py_IsInitialized())
        {
            // A Python host: its interpreter must be the version the plugin was built against.
            char expected[16];
            std::snprintf(expected, sizeof(expected), "%d.%d.", PY_MAJOR_VERSION, PY_MINOR_VERSION);
            if (std::strncmp(Py_GetVersion(), expected, std::strlen(expected)) == 0)
                gPythonReady = true;
            else
                gPythonError = std::string("the host runs Python ") + Py_GetVersion()
                             + " but this plugin was built for Python " + PY_VERSION;
        }
        else
        {
            // Hosts load plugins with RTLD_LOCAL; numpy's extension modules need libpython's
            // symbols in the global scope.
            if (dlopen(HUSHBOARD_LIBPYTHON, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) == nullptr)
                dlopen(HUSHBOARD_LIBPYTHON, RTLD_NOW | RTLD_GLOBAL);

            PyConfig config;
            PyConfig_InitIsolatedConfig(&config);
            config.install_signal_handlers = 0;  // the host owns signals
            config.site_import = 0;              // the bootstrap adds the config's site folders
            PyStatus status = PyConfig_SetBytesString(&config, &config.home, HUSHBOARD_PYTHON_HOME);
            if (! PyStatus_Exception(status))
                status = Py_InitializeFromConfig(&config);
            PyConfig_Clear(&config);
            if (PyStatus_Exception(status))
            {
                gPythonError = std::string("could not start Python (home " HUSHBOARD_PYTHON_HOME "): ")
                             + (status.err_msg != nullptr ? status.err_msg : "unknown error");
            }
            else
            {
                PyEval_SaveThread();  // release the GIL: every later call takes it on its thread
                gPythonReady = true;
            }
        }
    }
    error = gPythonError;
    return gPythonReady;
}

// The pending Python exception as text (cleared). Never PyErr_Print: SystemExit would exit the host.
std::string takePythonError()
{
    PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    std::string text = "unknown Python error";
    if (type != nullptr)
    {
        PyObject* shown = PyObject_Str(value != nullptr ? value : type);
        const char* utf8 = shown != nullptr ? PyUnicode_AsUTF8(shown) : nullptr;
        const char* name = reinterpret_cast<PyTypeObject*>(type)->tp_name;
        text = std::string(name) + ": " + (utf8 != nullptr ? utf8 : "?");
        Py_XDECREF(shown);
        if (PyErr_GivenExceptionMatches(type, PyExc_KeyboardInterrupt))
            PyErr_SetInterrupt();  // hand Ctrl-C back to a Python host instead of eating it
    }
    PyErr_Clear();
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return text;
}

std::string configPath()
{
    std::string binary = getBinaryFilename();
    const std::string folder = binary.substr(0, binary.rfind('/'));
    const std::string candidates[] = {
        folder + "/" HUSHBOARD_CONFIG_FILE,                  // LV2 bundle, CLAP folder
        folder + "/../Resources/" HUSHBOARD_CONFIG_FILE,     // VST3 bundle
    };
    for (const std::string& candidate : candidates)
        if (access(candidate.c_str(), R_OK) == 0)
            return candidate;
    return std::string();
}

class GilLock
{
public:
    GilLock() : fState(PyGILState_Ensure()) {}
    ~GilLock() { PyGILState_Release(fState); }
private:
    PyGILState_STATE fState;
};

// Python is finalizing (or gone): touching it now would crash the host at exit.
bool pythonUsable()
{
    return Py_IsInitialized() && ! _Py_IsFinalizing();
}

constexpr uint32_t kParameterCount = HUSHBOARD_PARAMETER_COUNT;
constexpr uint32_t kChannels = DISTRHO_PLUGIN_NUM_INPUTS;
// Python runs on chunks of at least this many frames, whatever the host's block size: a host
// that runs one frame at a time (lv2apply) costs one Python call per kChunkFrames, and a chunk
// is never shorter than the channel count (which would make its layout ambiguous).
constexpr uint32_t kChunkFrames = HUSHBOARD_CHUNK_FRAMES;
static_assert(DISTRHO_PLUGIN_NUM_INPUTS == DISTRHO_PLUGIN_NUM_OUTPUTS, "in and out channels must match");
static_assert(HUSHBOARD_CHUNK_FRAMES > DISTRHO_PLUGIN_NUM_INPUTS, "chunks must be longer than the channel count");
constexpr uint32_t kErrorsIndex = kParameterCount;  // read-only output parameter

} // namespace

// --------------------------------------------------------------------------------------------
class HushboardBridge : public Plugin
{
public:
    HushboardBridge()
        : Plugin(kParameterCount + 1, 0, DISTRHO_PLUGIN_WANT_STATE ? 1 : 0)
    {
        for (uint32_t i = 0; i < kParameterCount; ++i)
        {
            fValues[i].store(kHushboardParameters[i].def);
            fDirty[i].store(false);
        }
        fPluginLatency = HUSHBOARD_LATENCY_48K;
        reportLatency(fPluginLatency + kChunkFrames - 1);
        if (isDummyInstance())  // hosts and DPF create one to read metadata: no Python needed
            return;

        std::string error;
        if (! ensurePython(error))
        {
            report(("audio passes through: " + error).c_str());
            return;
        }
        const std::string config = configPath();
        if (config.empty())
        {
            report("audio passes through: no " HUSHBOARD_CONFIG_FILE " next to the plugin binary "
                   "(or in the VST3 bundle's Contents/Resources)");
            return;
        }
        const GilLock gil;
        fBridge = createBridge(config);
        if (fBridge == nullptr)
            return;
        fNameProcess = PyUnicode_InternFromString("process");
        const long latency = callLong("latency", getSampleRate());
        if (latency >= 0)
        {
            fPluginLatency = static_cast<uint32_t>(latency);
            reportLatency(fPluginLatency + kChunkFrames - 1);
        }
    }

    ~HushboardBridge() override
    {
        if (fBridge == nullptr || ! pythonUsable())
            return;  // at interpreter exit the objects are left to the interpreter
        const GilLock gil;
        releaseBuffers();
        Py_CLEAR(fNameProcess);
        Py_CLEAR(fBridge);
    }

protected:
    // -- information --------------------------------------------------------------------
    const char* getLabel() const override { return HUSHBOARD_LABEL; }
    const char* getDescription() const override { return HUSHBOARD_DESCRIPTION; }
    const char* getMaker() const override { return "hushboard"; }
    const char* getHomePage() const override { return "https://github.com/hushboard/hushboard"; }
    const char* getLicense() const override { return "GPL-3.0-or-later"; }
    uint32_t getVersion() const override { return d_version(HUSHBOARD_VERSION_MAJOR, HUSHBOARD_VERSION_MINOR, HUSHBOARD_VERSION_MICRO); }
    int64_t getUniqueId() const override { return HUSHBOARD_UNIQUE_ID; }

    // -- parameters ---------------------------------------------------------------------
    void initParameter(uint32_t index, Parameter& parameter) override
    {
        if (index == kErrorsIndex)
        {
            parameter.hints = kParameterIsOutput | kParameterIsInteger;
            parameter.name = "bridge errors";
            parameter.symbol = "bridge_errors";
            parameter.description = "Blocks passed through dry because Python failed (see stderr).";
            parameter.ranges = ParameterRanges(0.0f, 0.0f, 1000000.0f);
            return;
        }
        const HushboardParameterInfo& info(kHushboardParameters[index]);
        parameter.hints = kParameterIsAutomatable | info.hints;
        parameter.name = info.name;
        parameter.symbol = info.symbol;
        parameter.unit = info.unit;
        parameter.description = info.description;
        parameter.ranges = ParameterRanges(info.def, info.min, info.max);
        if (info.numChoices > 0)
        {
            ParameterEnumerationValue* const values = new ParameterEnumerationValue[info.numChoices];
            for (uint32_t i = 0; i < info.numChoices; ++i)
            {
                values[i].value = static_cast<float>(i);
                values[i].label = info.choices[i];
            }
            parameter.enumValues.count = static_cast<uint8_t>(info.numChoices);
            parameter.enumValues.restrictedMode = true;
            parameter.enumValues.values = values;
        }
    }

    float getParameterValue(uint32_t index) const override
    {
        if (index == kErrorsIndex)
            return static_cast<float>(fErrors.load());
        return index < kParameterCount ? fValues[index].load() : 0.0f;
    }

    void setParameterValue(uint32_t index, float value) override
    {
        // Any thread, maybe the audio thread: store only; run() hands it to Python.
        if (index >= kParameterCount)
            return;
        fValues[index].store(value);
        fDirty[index].store(true);
        fAnyDirty.store(true);
    }

#if DISTRHO_PLUGIN_WANT_STATE
    // -- state: the hushboard preset JSON ---------------------------------------------------
    void initState(uint32_t index, State& state) override
    {
        if (index != 0)
            return;
        state.hints = kStateIsOnlyForDSP;
        state.key = "preset";
        state.label = "hushboard preset";
        state.defaultValue = HUSHBOARD_DEFAULT_PRESET;
        state.description = "The embedded hushboard plugin as a hushboard preset document.";
    }

    String getState(const char* key) const override
    {
        if (std::strcmp(key, "preset") != 0 || fBridge == nullptr || ! pythonUsable())
            return String(HUSHBOARD_DEFAULT_PRESET);
        const GilLock gil;
        PyObject* const result = PyObject_CallMethod(fBridge, "get_state", nullptr);
        const char* text = result != nullptr ? PyUnicode_AsUTF8(result) : nullptr;
        String state(text != nullptr ? text : HUSHBOARD_DEFAULT_PRESET);
        if (text == nullptr)
            report(("get_state failed, saving the default preset: " + takePythonError()).c_str());
        Py_XDECREF(result);
        return state;
    }

    void setState(const char* key, const char* value) override
    {
        if (std::strcmp(key, "preset") != 0 || fBridge == nullptr || ! pythonUsable())
            return;
        const GilLock gil;
        PyObject* const values = PyObject_CallMethod(fBridge, "set_state", "s", value);
        if (values == nullptr)
        {
            report(("set_state failed, the plugin keeps its settings: " + takePythonError()).c_str());
            return;
        }
        // The restored preset wins over host changes not yet handed to Python.
        fAnyDirty.store(false);
        for (uint32_t i = 0; i < kParameterCount && i < static_cast<uint32_t>(PyList_Size(values)); ++i)
        {
            fDirty[i].store(false);
            fValues[i].store(static_cast<float>(PyFloat_AsDouble(PyList_GetItem(values, i))));
        }
        if (PyErr_Occurred())
            report(takePythonError().c_str());
        Py_DECREF(values);
    }
#endif

    // -- processing -------------------------------------------------------------------------
    void activate() override
    {
        const uint32_t maxBlock = std::max<uint32_t>(getBufferSize(), 1);
        // Python gets chunks of at least kChunkFrames: the pending remainder plus one host block.
        const uint32_t capacity = kChunkFrames - 1 + maxBlock;
        uint32_t latency = fPluginLatency;
        fReady = false;
        if (fBridge != nullptr && pythonUsable())
        {
            const GilLock gil;
            releaseBuffers();
            applyParameterChanges();
            PyObject* const result = PyObject_CallMethod(fBridge, "activate", "dI", getSampleRate(), capacity);
            if (result != nullptr)
            {
                latency = static_cast<uint32_t>(PyLong_AsUnsignedLong(result));
                Py_DECREF(result);
                fReady = ! PyErr_Occurred() && acquireBuffers(capacity);
            }
            if (! fReady)
                report(("activate failed, audio passes through: " + takePythonError()).c_str());
        }
        fPluginLatency = latency;
        reportLatency(latency + kChunkFrames - 1);
        fMaxBlock = maxBlock;
        fCapacity = capacity;
        fPending = 0;
        // Dry history: a whole chunk plus `latency` samples before it, per channel.
        fDrySize = nextPowerOfTwo(latency + capacity);
        fDry.assign(static_cast<size_t>(fDrySize) * kChannels, 0.0f);
        fDryPosition = 0;
        // Output FIFO: starts with kChunkFrames - 1 samples of silence, so it never runs dry
        // while samples wait for a chunk to fill (see runBlock).
        fFifoSize = nextPowerOfTwo(kChunkFrames + capacity + maxBlock);
        fFifo.assign(static_cast<size_t>(fFifoSize) * kChannels, 0.0f);
        fFifoRead = 0;
        fFifoWrite = kChunkFrames - 1;
    }

    void run(const float** inputs, float** outputs, uint32_t frames) override
    {
        for (uint32_t offset = 0; offset < frames;)
        {
            const uint32_t count = std::min(frames - offset, fMaxBlock);
            runBlock(inputs, outputs, offset, count);
            offset += count;
        }
    }

private:
    static uint32_t nextPowerOfTwo(uint32_t atLeast)
    {
        uint32_t size = 1;
        while (size < atLeast)
            size <<= 1;
        return size;
    }

    void reportLatency(uint32_t latency)
    {
        fLatency = latency;
        setLatency(latency);
    }

    // Host block -> pending chunk; a full chunk goes through Python into the FIFO; the block's
    // output comes from the FIFO. Output = input delayed by plugin latency + kChunkFrames - 1.
    void runBlock(const float** inputs, float** outputs, uint32_t offset, uint32_t frames)
    {
        const uint32_t dryMask = fDrySize - 1;
        // Inputs may alias outputs: take everything from the inputs before writing any output.
        for (uint32_t c = 0; c < kChannels; ++c)
        {
            float* const dry = &fDry[static_cast<size_t>(c) * fDrySize];
            for (uint32_t k = 0; k < frames; ++k)
                dry[(fDryPosition + k) & dryMask] = inputs[c][offset + k];
            if (fReady)
                std::memcpy(fInput + static_cast<size_t>(c) * fCapacity + fPending,
                            inputs[c] + offset, frames * sizeof(float));
        }
        fDryPosition = (fDryPosition + frames) & dryMask;
        fPending += frames;
        if (fPending >= kChunkFrames)
        {
            processChunk(fPending);
            fPending = 0;
        }

        const uint32_t fifoMask = fFifoSize - 1;
        for (uint32_t c = 0; c < kChannels; ++c)
        {
            const float* const fifo = &fFifo[static_cast<size_t>(c) * fFifoSize];
            float* const out = outputs[c] + offset;
            for (uint32_t k = 0; k < frames; ++k)
                out[k] = fifo[(fFifoRead + k) & fifoMask];
        }
        fFifoRead = (fFifoRead + frames) & fifoMask;
    }

    // The pending `frames` samples through Python; appends `frames` samples to the FIFO: the
    // chunk delayed by the plugin latency, dry where Python gave nothing (stream start, error).
    void processChunk(uint32_t frames)
    {
        uint32_t wet = 0;
        if (fReady && pythonUsable())
        {
            const GilLock gil;
            applyParameterChanges();
            PyObject* const count = PyLong_FromUnsignedLong(frames);
            PyObject* const result = count != nullptr ? PyObject_CallMethodOneArg(fBridge, fNameProcess, count) : nullptr;
            Py_XDECREF(count);
            long produced = -1;
            if (result != nullptr)
            {
                produced = PyLong_AsLong(result);
                Py_DECREF(result);
            }
            if (PyErr_Occurred())
            {
                // The bridge catches Python errors itself; this is a failure of the call.
                if (fErrors.fetch_add(1) < 3)
                    report(("process failed, audio passed through: " + takePythonError()).c_str());
                else
                    PyErr_Clear();
            }
            else if (produced < 0)
            {
                fErrors.fetch_add(1);  // reported by the bridge (stderr)
            }
            else
            {
                wet = std::min<uint32_t>(static_cast<uint32_t>(produced), frames);
            }
        }

        const uint32_t dryCount = frames - wet;
        const uint32_t dryMask = fDrySize - 1;
        const uint32_t fifoMask = fFifoSize - 1;
        // Input index of the chunk's first sample, minus the plugin latency, in the dry ring.
        const uint32_t dryStart = fDryPosition - frames - fPluginLatency;
        for (uint32_t c = 0; c < kChannels; ++c)
        {
            const float* const dry = &fDry[static_cast<size_t>(c) * fDrySize];
            const float* const wetSamples = fOutput != nullptr ? fOutput + static_cast<size_t>(c) * fCapacity : nullptr;
            float* const fifo = &fFifo[static_cast<size_t>(c) * fFifoSize];
            for (uint32_t k = 0; k < dryCount; ++k)
                fifo[(fFifoWrite + k) & fifoMask] = dry[(dryStart + k) & dryMask];
            for (uint32_t k = dryCount; k < frames; ++k)
                fifo[(fFifoWrite + k) & fifoMask] = wetSamples[k];
        }
        fFifoWrite = (fFifoWrite + frames) & fifoMask;
    }

    // Under the GIL: hand the host's parameter changes to Python.
    void applyParameterChanges()
    {
        if (! fAnyDirty.exchange(false))
            return;
        for (uint32_t i = 0; i < kParameterCount; ++i)
        {
            if (! fDirty[i].exchange(false))
                continue;
            PyObject* const result = PyObject_CallMethod(fBridge, "set_parameter", "Id", i,
                                                         static_cast<double>(fValues[i].load()));
            if (result == nullptr)
                report(("set_parameter failed: " + takePythonError()).c_str());
            Py_XDECREF(result);
        }
    }

    // Under the GIL.
    PyObject* createBridge(const std::string& config)
    {
        PyObject* const globals = PyDict_New();
        PyObject* bridge = nullptr;
        if (globals != nullptr && PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0)
        {
            PyObject* const ran = PyRun_String(kBootstrapSource, Py_file_input, globals, globals);
            Py_XDECREF(ran);
            PyObject* const bootstrap = ran != nullptr ? PyDict_GetItemString(globals, "bootstrap") : nullptr;
            if (bootstrap != nullptr)
                bridge = PyObject_CallFunction(bootstrap, "ssI", config.c_str(), HUSHBOARD_TABLE_HASH,
                                               static_cast<unsigned>(kChannels));
        }
        Py_XDECREF(globals);
        if (bridge == nullptr)
            report(("audio passes through: could not create the hushboard plugin: " + takePythonError()).c_str());
        return bridge;
    }

    // Under the GIL: a method returning an int, -1 on failure (reported).
    long callLong(const char* method, double argument)
    {
        PyObject* const result = PyObject_CallMethod(fBridge, method, "d", argument);
        const long value = result != nullptr ? PyLong_AsLong(result) : -1;
        Py_XDECREF(result);
        if (PyErr_Occurred())
        {
            report((std::string(method) + " failed: " + takePythonError()).c_str());
            return -1;
        }
        return value;
    }

    // Under the GIL: views of the bridge's preallocated input and output arrays.
    bool acquireBuffers(uint32_t maxBlock)
    {
        const size_t expected = static_cast<size_t>(maxBlock) * kChannels * sizeof(float);
        PyObject* const input = PyObject_GetAttrString(fBridge, "input");
        PyObject* const output = PyObject_GetAttrString(fBridge, "output");
        bool ok = input != nullptr && output != nullptr
               && PyObject_GetBuffer(input, &fInputView, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) == 0;
        fHaveInputView = ok;
        ok = ok && PyObject_GetBuffer(output, &fOutputView, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) == 0;
        fHaveOutputView = ok;
        Py_XDECREF(input);
        Py_XDECREF(output);
        if (ok && (static_cast<size_t>(fInputView.len) != expected || static_cast<size_t>(fOutputView.len) != expected))
        {
            PyErr_SetString(PyExc_ValueError, "bridge buffers have the wrong size");
            ok = false;
        }
        if (! ok)
        {
            releaseBuffers();
            return false;
        }
        fInput = static_cast<float*>(fInputView.buf);
        fOutput = static_cast<float*>(fOutputView.buf);
        return true;
    }

    void releaseBuffers()
    {
        fReady = false;
        if (fHaveInputView)
            PyBuffer_Release(&fInputView);
        if (fHaveOutputView)
            PyBuffer_Release(&fOutputView);
        fHaveInputView = fHaveOutputView = false;
        fInput = fOutput = nullptr;
    }

    PyObject* fBridge = nullptr;
    PyObject* fNameProcess = nullptr;
    Py_buffer fInputView {};
    Py_buffer fOutputView {};
    bool fHaveInputView = false;
    bool fHaveOutputView = false;
    float* fInput = nullptr;
    float* fOutput = nullptr;
    bool fReady = false;
    uint32_t fMaxBlock = 1;
    uint32_t fCapacity = 1;       // frames of the bridge's input/output arrays
    uint32_t fPending = 0;        // frames waiting in the input array for a full chunk
    uint32_t fPluginLatency = 0;  // the hushboard plugin's own latency
    uint32_t fLatency = 0;        // reported: plugin latency + kChunkFrames - 1

    std::vector<float> fDry;      // dry input history, kChannels rings of fDrySize
    uint32_t fDrySize = 1;
    uint32_t fDryPosition = 0;
    std::vector<float> fFifo;     // output FIFO, kChannels rings of fFifoSize
    uint32_t fFifoSize = 1;
    uint32_t fFifoRead = 0;
    uint32_t fFifoWrite = 0;

    std::atomic<float> fValues[kParameterCount + 1];
    std::atomic<bool> fDirty[kParameterCount + 1];
    std::atomic<bool> fAnyDirty { false };
    std::atomic<uint32_t> fErrors { 0 };

    DISTRHO_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(HushboardBridge)
};

Plugin* createPlugin()
{
    return new HushboardBridge();
}

END_NAMESPACE_DISTRHO
