<%@ Page Language="C#" %>
<script runat="server">
void Go(object s, EventArgs e) {
  string q = "select * from orders where day=@d";
  var w = new System.IO.StreamWriter(Server.MapPath("~/App_Data/orders.csv"));
}
</script>
