<%@ Page Language="C#" %>
<script runat="server">
void Page_Load(object s, EventArgs e) {
  var di = new System.IO.DirectoryInfo(Server.MapPath("~/docs"));
  foreach (var f in di.GetFiles()) Response.Write(f.Name);
}
</script>
