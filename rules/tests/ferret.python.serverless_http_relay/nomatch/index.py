import json

def main_handler(event, context):
    name = event['queryString'].get('name', 'world')
    return {"statusCode": 200, "body": json.dumps({"hello": name})}
