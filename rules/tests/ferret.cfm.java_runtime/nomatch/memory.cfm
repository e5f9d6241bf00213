<!--- legitimate memory statistics --->
<cfset rt = createObject("java", "java.lang.Runtime").getRuntime()>
<cfoutput>Free: #rt.freeMemory()# / Total: #rt.totalMemory()#</cfoutput>
