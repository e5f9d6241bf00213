<%@ Page Language="C#" %>
<script runat="server">
void Go(object s, EventArgs e) {
  var c = new SqlConnection(ConfigurationManager.ConnectionStrings["site"].ConnectionString);
  var cmd = new SqlCommand("select * from news where id=@id", c);
  cmd.Parameters.AddWithValue("@id", txtId.Text);
  var r = cmd.ExecuteReader();
}
</script>
