package org.yimmo.wsgi.python;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import jnr.ffi.annotations.Encoding;

/**
 * The CPython C API functions yimmo calls, bound by jnr-ffi. The only binding to libpython:
 * nothing outside {@code org.yimmo.wsgi.python} should need it, and the rest of yimmo-wsgi goes
 * through {@link PythonRuntime} and {@link PythonThread}.
 *
 * <p>Conventions: a {@code PyObject*} (and any other pointer) is a {@code long} address, 0 for
 * NULL; sizes ({@code Py_ssize_t}) are {@code long}; C {@code int} is {@code int}. {@code String}
 * parameters (encoded as UTF-8, NUL-terminated) cost about 120 ns of marshalling each, so the hot
 * path uses addresses only. "New" and "borrowed" references follow the C API documentation.
 *
 * <p><b>Every function except the start-up ones, {@code PyGILState_Ensure} and
 * {@code PyGILState_Check} must be called with the GIL held</b>; without it the process dies
 * with SIGSEGV. Methods marked {@link Since} are not exported by older versions (they are
 * {@code static inline} in 3.10's headers); {@link PythonRuntime#hasVectorcall()} says whether
 * they can be called; {@link #PyObject_VectorcallDict} does the same job everywhere.
 */
public interface LibPython {

    /** The Python 3 minor version from which a function is exported. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Since {
        int value();
    }

    // start-up and shutdown (python-main thread)
    long Py_DecodeLocale(@Encoding("UTF-8") String arg, long sizeOut);

    void Py_SetProgramName(long wideName);

    void Py_InitializeEx(int initsigs);

    int Py_IsInitialized();

    int Py_FinalizeEx();

    void PyMem_RawFree(long address);

    // threads and the GIL
    long PyEval_SaveThread();

    void PyEval_RestoreThread(long threadState);

    int PyGILState_Ensure();

    void PyGILState_Release(int state);

    int PyGILState_Check();

    long PyThreadState_Get();

    // references
    void Py_IncRef(long object);

    void Py_DecRef(long object);

    // modules and code
    long PyImport_ImportModule(String name);

    long PyImport_AddModule(String name);

    long PyModule_GetDict(long module);

    long PyRun_String(@Encoding("UTF-8") String source, int start, long globals, long locals);

    long PyRun_StringFlags(@Encoding("UTF-8") String source, int start, long globals, long locals, long flags);

    // objects and calls
    long PyObject_GetAttrString(long object, String name);
    long PyObject_GetAttr(long object, long name);
    int PyObject_SetAttr(long object, long name, long value);

    int PyObject_SetAttrString(long object, String name, long value);

    long PyObject_Call(long callable, long args, long kwargs);

    long PyObject_CallNoArgs(long callable);

    @Since(11)
    long PyObject_CallOneArg(long callable, long arg);

    @Since(11)
    long PyObject_Vectorcall(long callable, long args, long nargsf, long kwnames);

    long PyObject_VectorcallDict(long callable, long args, long nargsf, long kwargs);

    long PyObject_GetIter(long object);

    long PyIter_Next(long iterator);

    long PyObject_Str(long object);

    long PyObject_Repr(long object);

    int PyObject_IsTrue(long object);
    int PyCallable_Check(long object);

    long PyCFunction_NewEx(long methodDef, long self, long module);

    // dicts
    long PyDict_New();

    long PyDict_Copy(long dict);

    int PyDict_SetItem(long dict, long key, long value);

    int PyDict_SetItemString(long dict, String key, long value);

    long PyDict_GetItemString(long dict, String key);

    long PyDict_GetItemWithError(long dict, long key);

    // str and bytes
    long PyUnicode_FromString(@Encoding("UTF-8") String text);

    long PyUnicode_FromStringAndSize(long utf8, long size);

    long PyUnicode_DecodeLatin1(long bytes, long size, long errors);

    long PyUnicode_InternFromString(String text);

    long PyUnicode_AsUTF8AndSize(long unicode, long sizeOut);

    long PyUnicode_AsLatin1String(long unicode);

    long PyBytes_FromStringAndSize(long bytes, long size);

    long PyBytes_AsString(long bytes);

    long PyBytes_Size(long bytes);

    // numbers
    long PyLong_FromLong(long value);

    long PyLong_AsLong(long object);

    // tuples, lists, sequences
    long PyTuple_New(long size);

    int PyTuple_SetItem(long tuple, long index, long stolenItem);

    long PyTuple_GetItem(long tuple, long index);

    long PyTuple_Size(long tuple);

    long PyList_New(long size);

    int PyList_Append(long list, long item);

    long PyList_Size(long list);

    long PyList_GetItem(long list, long index);

    long PySequence_Fast(long object, String message);

    long PySequence_Size(long object);

    // errors
    long PyErr_Occurred();

    void PyErr_Clear();

    void PyErr_Fetch(long typeOut, long valueOut, long tracebackOut);

    void PyErr_NormalizeException(long typeInOut, long valueInOut, long tracebackInOut);

    void PyErr_Restore(long type, long value, long traceback);

    void PyErr_SetString(long type, @Encoding("UTF-8") String message);

    int PyErr_ExceptionMatches(long type);

    void PyErr_Print();
}
