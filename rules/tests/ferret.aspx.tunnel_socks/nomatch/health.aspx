<%@ Page Language="C#" %>
<script runat="server">
void Page_Load(object o, EventArgs e) {
  var c = new TcpClient(); c.Connect("db01", 1433);
  Response.AddHeader("X-STATUS", c.Connected ? "OK" : "DOWN");
}
</script>
