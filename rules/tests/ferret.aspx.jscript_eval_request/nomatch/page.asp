<SCRIPT RUNAT=SERVER LANGUAGE=JAVASCRIPT>
var s = String(Request.form("z"));
Response.Write(Server.HTMLEncode(unescape(s)));
</SCRIPT>
