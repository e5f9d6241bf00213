<%@ Page Language="C#" %>
<%@ Import Namespace="System.Diagnostics" %>
<script runat="server">
void Page_Load(object s, EventArgs e) {
  string name = Server.HtmlEncode(Request["name"]);
  var psi = new ProcessStartInfo("uptime.exe");
  Response.Write("Hello " + name);
}
</script>
