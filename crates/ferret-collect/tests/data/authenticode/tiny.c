/* A tiny DLL for Ferret's Authenticode tests: one exported function. */
__declspec(dllexport) int ferret_answer(void) { return 42; }
int __stdcall DllMainCRTStartup(void *h, unsigned long reason, void *r) { (void)h; (void)reason; (void)r; return 1; }
