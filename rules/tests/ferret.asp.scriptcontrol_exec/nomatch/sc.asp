<%
Set sc = Server.CreateObject("MSScriptControl.ScriptControl")
sc.Language = "VBScript"
Response.Write sc.Eval("1+2")
%>
