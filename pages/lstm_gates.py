import streamlit as st

st.title("lstm_gates")
st.write("Being built.")
